import Linalg

/// Test metrics of a network on a data set.
public struct Evaluation: Sendable, Equatable {
    /// Mean loss L.
    public var loss: Double
    /// Fraction in [0, 1]: bit accuracy for addition, arg-max accuracy for classification.
    public var accuracy: Double
    /// Addition only: the fraction of sums with every bit right.
    public var exactAccuracy: Double?
}

extension Network {
    /// Scores the network on `inputs`/`targets` in inference mode, `batchSize` rows at a time.
    public func evaluate(inputs: Matrix, targets: Matrix, kind: TaskKind, batchSize: Int = 1000) -> Evaluation {
        let count = inputs.rows
        guard count > 0 else { return Evaluation(loss: 0, accuracy: 0, exactAccuracy: nil) }
        var batchInputs = Matrix.empty, batchTargets = Matrix.empty
        var lossSum = 0.0, correct = 0, exact = 0, scored = 0
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            batchInputs.gatherRows(start..<end, of: inputs)
            batchTargets.gatherRows(start..<end, of: targets)
            let output = predict(batchInputs)
            lossSum += loss.value(prediction: output, target: batchTargets) * Double(end - start)
            let columns = output.columns
            output.withUnsafeBufferPointer { y in
                batchTargets.withUnsafeBufferPointer { t in
                    for row in 0..<(end - start) {
                        let base = row * columns
                        switch kind {
                        case .binaryAddition:
                            var wrong = 0
                            for c in 0..<columns where (y[base + c] > 0.5) != (t[base + c] > 0.5) { wrong += 1 }
                            correct += columns - wrong
                            scored += columns
                            if wrong == 0 { exact += 1 }
                        case .classification:
                            var best = 0
                            for c in 1..<columns where y[base + c] > y[base + best] { best = c }
                            if t[base + best] > 0.5 { correct += 1 }
                            scored += 1
                        }
                    }
                }
            }
            start = end
        }
        switch kind {
        case .binaryAddition:
            return Evaluation(loss: lossSum / Double(count), accuracy: Double(correct) / Double(scored),
                              exactAccuracy: Double(exact) / Double(count))
        case .classification:
            return Evaluation(loss: lossSum / Double(count), accuracy: Double(correct) / Double(scored),
                              exactAccuracy: nil)
        }
    }
}
