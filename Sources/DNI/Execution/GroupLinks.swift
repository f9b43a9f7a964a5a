import Linalg

/// How a ``StageGroupWorker`` talks to the groups below and above it. An executor provides the
/// links: nothing at all for one group on one thread, ``MessageChannel``s between threads, MPI
/// messages between ranks.
public protocol GroupLinks {
    /// Receives the next activation message from the group below (its `matrix` is hᵢ₋₁, its
    /// `target` the batch's targets), valid until ``releaseInput()``; messages come in order.
    mutating func nextInput() throws -> Message
    /// Gives back the oldest message taken with ``nextInput()``.
    mutating func releaseInput()
    /// Sends hᵢ of `batch`, with the batch's targets, to the group above.
    mutating func sendUp(batch: Int, activation: Matrix, target: Matrix) throws
    /// Sends δ of `batch` down: `kind` 0 is the target of the top synthesizer of the group
    /// below, 1 the target of this group's first synthesizer when the group below trains it.
    mutating func sendDown(batch: Int, gradient: Matrix, kind: Int) throws
    /// Receives the next δ message from the group above (its `matrix` is the gradient), valid
    /// until ``releaseGradient()``; messages come in batch order.
    mutating func nextGradient() throws -> Message
    /// Gives back the message taken with ``nextGradient()``.
    mutating func releaseGradient()
}

/// The links of a group with no neighbours (every stage on one thread).
struct NoLinks: GroupLinks {
    /// One byte of storage. An empty struct passed `inout` has no address of its own (every
    /// instance shares one placeholder), which ThreadSanitizer reports as two threads modifying
    /// the same variable when two single-group runs go at once; with storage, each run's links
    /// live in its own frame.
    private var storage: UInt8 = 0

    mutating func nextInput() throws -> Message { preconditionFailure("the bottom group reads the data") }
    mutating func releaseInput() {}
    mutating func sendUp(batch: Int, activation: Matrix, target: Matrix) throws {
        preconditionFailure("the top group has no group above")
    }
    mutating func sendDown(batch: Int, gradient: Matrix, kind: Int) throws {
        preconditionFailure("the bottom group has no group below")
    }
    mutating func nextGradient() throws -> Message { preconditionFailure("the top group has no group above") }
    mutating func releaseGradient() {}
}

/// The links of a group on a thread: channels to the thread below and the thread above.
struct ChannelLinks: GroupLinks {
    /// Activations from below (nil for the bottom group).
    let inputFromBelow: MessageChannel?
    /// Targets from below going down (nil for the bottom group).
    let gradientsToBelow: MessageChannel?
    /// Activations going up (nil for the top group).
    let outputToAbove: MessageChannel?
    /// Targets from above (nil for the top group).
    let gradientsFromAbove: MessageChannel?

    /// The links of group `group` of a pipeline whose `upward[g]` channel carries messages from
    /// group g to g + 1 and `downward[g]` from g + 1 to g.
    init(group: Int, upward: [MessageChannel], downward: [MessageChannel]) {
        inputFromBelow = group > 0 ? upward[group - 1] : nil
        gradientsToBelow = group > 0 ? downward[group - 1] : nil
        outputToAbove = group < upward.count ? upward[group] : nil
        gradientsFromAbove = group < downward.count ? downward[group] : nil
    }

    mutating func nextInput() throws -> Message { try inputFromBelow!.next() }

    mutating func releaseInput() { inputFromBelow!.release() }

    mutating func sendUp(batch: Int, activation: Matrix, target: Matrix) throws {
        let channel = outputToAbove!
        let message = try channel.reserve()
        message.batch = batch
        message.matrix.assign(activation)
        message.target.assign(target)
        channel.publish()
    }

    mutating func sendDown(batch: Int, gradient: Matrix, kind: Int) throws {
        let channel = gradientsToBelow!
        let message = try channel.reserve()
        message.batch = batch
        message.kind = kind
        message.matrix.assign(gradient)
        channel.publish()
    }

    mutating func nextGradient() throws -> Message { try gradientsFromAbove!.next() }

    mutating func releaseGradient() { gradientsFromAbove!.release() }
}
