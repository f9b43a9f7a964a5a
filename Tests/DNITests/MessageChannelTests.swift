@testable import DNI
import Linalg
import Testing

/// The bounded single-producer single-consumer channel between stage-group threads.
@Suite struct MessageChannelTests {
    /// Thousands of messages cross in order, with their contents intact, through two slots.
    @Test func messagesArriveInOrderIntact() throws {
        let channel = MessageChannel(capacity: 2, spinNanoseconds: 1_000)
        let count = 2_000
        guard let producer = WorkerThread.start({
            for index in 0..<count {
                guard let message = try? channel.reserve() else { return }
                message.batch = index
                message.matrix.resize(rows: 1, columns: 3)
                message.matrix[0, 0] = Float(index)
                message.matrix[0, 2] = Float(-index)
                channel.publish()
            }
        }) else { Issue.record("no thread"); return }
        var wrong = 0
        for index in 0..<count {
            let message = try channel.next()
            if message.batch != index || message.matrix[0, 0] != Float(index) || message.matrix[0, 2] != Float(-index) {
                wrong += 1
            }
            channel.release()
        }
        producer.join()
        #expect(wrong == 0)
        #expect(channel.pendingCount == 0)
    }

    /// A consumer holds several messages at once (micro-batches) and releases them in order.
    @Test func consumerHoldsSeveral() throws {
        let channel = MessageChannel(capacity: 3)
        for index in 0..<3 {
            let message = try channel.reserve()
            message.batch = index
            channel.publish()
        }
        #expect(try channel.next().batch == 0)
        #expect(try channel.next().batch == 1)
        channel.release()
        let message = try channel.reserve()
        message.batch = 3
        channel.publish()
        #expect(try channel.next().batch == 2)
        channel.release()
        channel.release()
        #expect(try channel.next().batch == 3)
        channel.release()
    }

    /// A side waiting for a message that will never come wakes up and throws when the run aborts.
    @Test func abortWakesAWaitingSide() throws {
        let channel = MessageChannel(capacity: 1, spinNanoseconds: 1_000)
        guard let aborter = WorkerThread.start({ channel.abort() }) else { Issue.record("no thread"); return }
        #expect(throws: ChannelAborted.self) { _ = try channel.next() }
        aborter.join()
    }
}
