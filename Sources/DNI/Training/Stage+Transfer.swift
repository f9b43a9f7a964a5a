import Linalg

/// A stage's state as a flat list of floats, for executors whose stages live in other processes:
/// after each segment every MPI rank sends the state of its stages to rank 0, whose copies of
/// them then evaluate, probe and report exactly what a single process would.
///
/// Layout, in this order: every parameter of the body, then of the synthesizer (values,
/// row-major); the running mean and variance of every batch-norm layer of the body, then of the
/// synthesizer (a ``ChannelBatchNormalization`` counts as the ``BatchNormalization`` inside it);
/// then a convolutional synthesizer's target scale (``ConvolutionalSynthesizer/targetScaleState``).
/// The log of a segment travels separately (``writeLog(into:)``), each `Double` as its 64 bits
/// in two floats' bit patterns, so the numbers arrive bit for bit.
extension Stage {
    /// The layers whose state travels: the body's, then the synthesizer's.
    private var transferredLayers: [any Layer] {
        body.layers + ((synthesizer as? MLPSynthesizer)?.network.layers
                       ?? (synthesizer as? ConvolutionalSynthesizer)?.network.layers.layers ?? [])
    }

    /// The batch-norm layers among them, in order (the per-pixel one inside a channel batch norm).
    private var transferredNormalizations: [BatchNormalization] {
        transferredLayers.compactMap { ($0 as? BatchNormalization) ?? ($0 as? ChannelBatchNormalization)?.normalization }
    }

    /// The number of floats of ``writeState(into:)``.
    public var stateCount: Int {
        var count = 0
        for layer in transferredLayers { count += layer.parameterCount }
        for normalization in transferredNormalizations { count += 2 * normalization.inputSize }
        return count + ((synthesizer as? ConvolutionalSynthesizer)?.targetScaleState.count ?? 0)
    }

    /// Appends the stage's state to `values`.
    public func writeState(into values: inout [Float]) {
        for layer in transferredLayers {
            for parameter in layer.parameters { values.append(contentsOf: parameter.value.storage) }
        }
        for normalization in transferredNormalizations {
            values.append(contentsOf: normalization.runningMean)
            values.append(contentsOf: normalization.runningVariance)
        }
        if let convolutional = synthesizer as? ConvolutionalSynthesizer {
            values.append(contentsOf: convolutional.targetScaleState)
        }
    }

    /// Replaces the stage's state with the one written by ``writeState(into:)`` at `offset` of
    /// `values`, moving `offset` past it.
    public func readState(from values: UnsafeBufferPointer<Float>, offset: inout Int) {
        precondition(offset + stateCount <= values.count, "a stage's state is \(stateCount) floats")
        for layer in transferredLayers {
            for parameter in layer.parameters {
                let count = parameter.count
                parameter.value.withUnsafeMutableBufferPointer { destination in
                    for index in 0..<count { destination[index] = values[offset + index] }
                }
                offset += count
            }
        }
        for normalization in transferredNormalizations {
            let size = normalization.inputSize
            let mean = Array(values[offset..<(offset + size)])
            let variance = Array(values[(offset + size)..<(offset + 2 * size)])
            normalization.setRunningStatistics(mean: mean, variance: variance)
            offset += 2 * size
        }
        if let convolutional = synthesizer as? ConvolutionalSynthesizer {
            let count = convolutional.targetScaleState.count
            convolutional.restoreTargetScaleState(ArraySlice(values[offset..<(offset + count)]))
            offset += count
        }
    }

    /// The number of floats of ``writeLog(into:)`` for a segment of `count` steps.
    public static func logCount(steps count: Int) -> Int { 8 * count }

    /// Appends the log of the last segment to `values` (four numbers per step, each in two floats).
    public func writeLog(into values: inout [Float]) {
        func append(_ number: Double) {
            let bits = number.bitPattern
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: bits >> 32)))
        }
        for position in log.loss.indices {
            append(log.loss[position])
            append(log.synthesizerLearned[position] ? log.synthesizerLoss[position] : -.infinity)
            append(log.lowerSynthesizerLearned[position] ? log.lowerSynthesizerLoss[position] : -.infinity)
            append(0)
        }
    }

    /// Replaces the log with one of `count` steps written by ``writeLog(into:)`` at `offset` of
    /// `values`, moving `offset` past it.
    public func readLog(steps count: Int, from values: UnsafeBufferPointer<Float>, offset: inout Int) {
        func next() -> Double {
            let low = UInt64(values[offset].bitPattern), high = UInt64(values[offset + 1].bitPattern)
            offset += 2
            return Double(bitPattern: low | (high << 32))
        }
        log.reset(count: count)
        for position in 0..<count {
            log.loss[position] = next()
            let own = next(), lower = next()
            _ = next()
            if own != -.infinity {
                log.synthesizerLoss[position] = own
                log.synthesizerLearned[position] = true
            }
            if lower != -.infinity {
                log.lowerSynthesizerLoss[position] = lower
                log.lowerSynthesizerLearned[position] = true
            }
        }
    }
}
