#if MPI
import DNI
import Linalg

/// The ``GroupLinks`` of a stage group on an MPI rank: activations (with the batch's targets)
/// to and from the neighbouring ranks, bootstrapped targets δ down. Sends are non-blocking
/// (`MPI_Isend` from a ring of preallocated buffers, each reused once its send completed);
/// a receive waits at most `timeout`, so a neighbour that died or stopped answering becomes an
/// ``MPIError`` naming it. No allocation per message once the buffers exist.
struct MPIStageLinks: GroupLinks {
    /// Message tags.
    static let activationTag = 1, gradientTag = 2, stateTag = 3

    let communicator: MPICommunicator
    let rank: Int
    let timeout: Duration
    /// Widths: hᵢ₋₁ arriving from below, hᵢ going up, and the targets.
    let inputColumns: Int, outputColumns: Int, targetColumns: Int
    private let sendBuffers: [MPIMessageBuffer]
    private var sendRequests: [MPIRequest?]
    private var nextSend = 0
    private let receiveBuffer: MPIMessageBuffer
    /// Received activations, held until released in order (several micro-batches at once).
    private let inputs: [Message]
    private var inputsTaken = 0, inputsReleased = 0
    private let gradient = Message()
    /// Bytes sent and seconds spent waiting for messages, since the links were made.
    private(set) var bytesSent = 0
    private(set) var waitingSeconds = 0.0

    /// Links for the group on `rank`, for batches of up to `rows` rows, holding up to `held`
    /// inputs at once and `inFlight` sends.
    init(communicator: MPICommunicator, timeout: Duration, inputColumns: Int, outputColumns: Int, targetColumns: Int,
         rows: Int, held: Int, inFlight: Int) {
        self.communicator = communicator
        rank = communicator.rank
        self.timeout = timeout
        self.inputColumns = inputColumns
        self.outputColumns = outputColumns
        self.targetColumns = targetColumns
        let largest = rows * max(inputColumns + targetColumns, outputColumns + targetColumns, inputColumns, outputColumns)
        sendBuffers = (0..<inFlight).map { _ in MPIMessageBuffer(capacity: largest) }
        sendRequests = Array(repeating: nil, count: inFlight)
        receiveBuffer = MPIMessageBuffer(capacity: largest)
        inputs = (0..<max(1, held)).map { _ in Message() }
    }

    /// A send buffer free for writing (waiting for its last send to complete).
    private mutating func freeSendBuffer() throws -> Int {
        let index = nextSend
        nextSend = (nextSend + 1) % sendBuffers.count
        if let request = sendRequests[index] {
            try request.wait(timeout: timeout)
            sendRequests[index] = nil
        }
        return index
    }

    /// Receives the next message with `tag` from `peer` into the receive buffer.
    private mutating func receive(from peer: Int, tag: Int) throws -> MPIMessageHeader {
        let clock = ContinuousClock()
        let start = clock.now
        let request = try communicator.receive(into: receiveBuffer, from: peer, tag: tag)
        try request.wait(timeout: timeout)
        waitingSeconds += (clock.now - start).seconds
        return receiveBuffer.header
    }

    mutating func nextInput() throws -> Message {
        precondition(inputsTaken - inputsReleased < inputs.count, "more activations held than the links keep")
        let header = try receive(from: rank - 1, tag: Self.activationTag)
        let message = inputs[inputsTaken % inputs.count]
        inputsTaken += 1
        let rows = Int(header.count) / (inputColumns + targetColumns)
        message.batch = Int(header.batch)
        let payload = receiveBuffer.payload
        message.matrix.resize(rows: rows, columns: inputColumns)
        message.target.resize(rows: rows, columns: targetColumns)
        message.matrix.withUnsafeMutableBufferPointer { matrix in
            for index in matrix.indices { matrix[index] = payload[index] }
        }
        let offset = rows * inputColumns
        message.target.withUnsafeMutableBufferPointer { target in
            for index in target.indices { target[index] = payload[offset + index] }
        }
        return message
    }

    mutating func releaseInput() { inputsReleased += 1 }

    mutating func sendUp(batch: Int, activation: Matrix, target: Matrix) throws {
        let index = try freeSendBuffer()
        let buffer = sendBuffers[index]
        let count = activation.count + target.count
        buffer.header = MPIMessageHeader(batch: Int64(batch), kind: Int32(Self.activationTag), count: Int32(count))
        let payload = buffer.payload
        activation.withUnsafeBufferPointer { values in
            for index in values.indices { payload[index] = values[index] }
        }
        let offset = activation.count
        target.withUnsafeBufferPointer { values in
            for index in values.indices { payload[offset + index] = values[index] }
        }
        sendRequests[index] = try communicator.send(buffer, to: rank + 1, tag: Self.activationTag)
        bytesSent += MPIMessageHeader.byteCount + 4 * count
    }

    mutating func sendDown(batch: Int, gradient: Matrix, kind: Int) throws {
        precondition(kind == 0, "over MPI every synthesizer learns on its own rank")
        let index = try freeSendBuffer()
        let buffer = sendBuffers[index]
        try gradient.withUnsafeBufferPointer { values in
            try buffer.fill(batch: Int64(batch), kind: Int32(Self.gradientTag), from: values)
        }
        sendRequests[index] = try communicator.send(buffer, to: rank - 1, tag: Self.gradientTag)
        bytesSent += MPIMessageHeader.byteCount + 4 * gradient.count
    }

    mutating func nextGradient() throws -> Message {
        let header = try receive(from: rank + 1, tag: Self.gradientTag)
        let rows = Int(header.count) / outputColumns
        gradient.batch = Int(header.batch)
        gradient.matrix.resize(rows: rows, columns: outputColumns)
        let payload = receiveBuffer.payload
        gradient.matrix.withUnsafeMutableBufferPointer { matrix in
            for index in matrix.indices { matrix[index] = payload[index] }
        }
        return gradient
    }

    mutating func releaseGradient() {}

    /// Waits for every send in flight (end of a segment: the neighbours have their messages).
    mutating func completeSends() throws {
        for index in sendRequests.indices {
            if let request = sendRequests[index] {
                try request.wait(timeout: timeout)
                sendRequests[index] = nil
            }
        }
    }
}
#endif
