import Linalg

/// What a data set's targets mean, which decides how predictions are scored.
public enum TaskKind: Sendable, Equatable {
    /// Each target row is the binary sum of the addition task, `bits` values in {0, 1}:
    /// scored by bit accuracy and exact accuracy (every bit of the sum right).
    case binaryAddition(bits: Int)
    /// Each target row is a one-hot label over `classes`: scored by arg-max accuracy.
    case classification(classes: Int)
}

/// A training set and a held-out test set, as `[examples, features]` matrices.
public struct Dataset: Sendable {
    /// A short name (`addition`, `mnist`).
    public var name: String
    /// How targets are scored.
    public var kind: TaskKind
    /// Training inputs.
    public var trainInputs: Matrix
    /// Training targets (also the cDNI condition).
    public var trainTargets: Matrix
    /// Held-out test inputs.
    public var testInputs: Matrix
    /// Held-out test targets.
    public var testTargets: Matrix

    /// A data set from its four matrices (rows of inputs and targets must match).
    public init(name: String, kind: TaskKind, trainInputs: Matrix, trainTargets: Matrix,
                testInputs: Matrix, testTargets: Matrix) {
        precondition(trainInputs.rows == trainTargets.rows && testInputs.rows == testTargets.rows,
                     "inputs and targets must have the same number of rows")
        self.name = name
        self.kind = kind
        self.trainInputs = trainInputs
        self.trainTargets = trainTargets
        self.testInputs = testInputs
        self.testTargets = testTargets
    }

    /// Width of an input row.
    public var inputSize: Int { trainInputs.columns }
    /// Width of a target row.
    public var outputSize: Int { trainTargets.columns }
    /// Number of training examples.
    public var trainCount: Int { trainInputs.rows }
    /// Number of test examples.
    public var testCount: Int { testInputs.rows }
}
