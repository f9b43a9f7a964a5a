import Linalg

/// What kind of layers a network's stages are made of, and how each stage and its synthesizer
/// are built: the one place a new architecture plugs in. ``NetworkConfiguration`` holds one
/// (``NetworkConfiguration/architecture``); ``Stage/init(configuration:index:engine:)`` asks it
/// for stage i's parts, so every executor (sequential, pipelined, MPI) builds any architecture's
/// stages alone from (configuration, index, seed).
///
/// Stage i of a network with boundary widths w (``widths(of:)``) maps `[batch, w[i]]` to
/// `[batch, w[i + 1]]`; the top stage's output carries the loss. Shared settings (method,
/// optimizer and learning rates, condition width, seed) stay in the configuration; an
/// architecture adds its own shapes.
public protocol NetworkArchitecture: Sendable {
    /// A short name for configurations and reports (`fc`, `cnn`).
    var name: String { get }

    /// The number of stages of the network `configuration` describes (the top one included).
    func stageCount(of configuration: NetworkConfiguration) -> Int

    /// The widths of the stage boundaries, input first, output last: `stageCount + 1` values.
    func widths(of configuration: NetworkConfiguration) -> [Int]

    /// Whether stages of this architecture can learn by `method`.
    func supports(_ method: TrainingMethod) -> Bool

    /// The layers of stage `index` and what its method needs beside them (synthesizer, feedback
    /// matrix), every random draw taken from `generator` (the stage's own stream).
    func makeStageParts(_ index: Int, of configuration: NetworkConfiguration,
                        generator: inout SeededGenerator, engine: GEMMEngine) -> StageParts

    /// Float32 elements a run keeps, for ``MemoryBudget``: parameters (each later counted with
    /// its gradient and optimizer state) and activations for batches of `rows` rows. Exact only
    /// in order of magnitude.
    func estimatedElements(of configuration: NetworkConfiguration, rows: Double) -> (parameters: Double, activations: Double)

    /// True when `other` is the same architecture with the same settings.
    func isEqual(to other: any NetworkArchitecture) -> Bool
}

extension NetworkArchitecture where Self: Equatable {
    /// Equal when `other` has this type and compares equal.
    public func isEqual(to other: any NetworkArchitecture) -> Bool {
        (other as? Self) == self
    }
}

/// The parts of one stage that an architecture builds: its layers fᵢ, its synthesizer Mᵢ (DNI,
/// cDNI; nil on the top stage) and its direct-feedback matrix (DFA; nil otherwise).
public struct StageParts {
    /// The layers, as one stack.
    public var body: Sequential
    /// Mᵢ, or nil.
    public var synthesizer: (any Synthesizer)?
    /// The `[network output width, stage output width]` matrix of direct feedback alignment, or nil.
    public var directFeedback: Matrix?

    /// Parts of `body` with the given synthesizer and feedback matrix.
    public init(body: Sequential, synthesizer: (any Synthesizer)? = nil, directFeedback: Matrix? = nil) {
        self.body = body
        self.synthesizer = synthesizer
        self.directFeedback = directFeedback
    }
}

/// A ``NetworkArchitecture`` as a value that ``NetworkConfiguration`` can hold and compare.
public struct AnyNetworkArchitecture: Sendable, Equatable, CustomStringConvertible {
    /// The architecture itself.
    public let base: any NetworkArchitecture

    /// Wraps `base`.
    public init(_ base: any NetworkArchitecture) {
        self.base = base
    }

    /// Fully connected stages read from the configuration's sizes (``FullyConnectedArchitecture``).
    public static let fullyConnected = AnyNetworkArchitecture(FullyConnectedArchitecture())

    public static func == (lhs: AnyNetworkArchitecture, rhs: AnyNetworkArchitecture) -> Bool {
        lhs.base.isEqual(to: rhs.base)
    }

    public var description: String { base.name }
}
