import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops a run that has diverged, naming the epoch, step, stage and quantity, instead of
/// letting it train on at chance or print a loss of 10²⁰ and exit 0 (docs/errors.md: exit 1).
///
/// Cheap by construction: every step it looks at two numbers the step already computed, the
/// task loss L and the synthesizers' regression loss L_M (which grows with the synthetic
/// gradients ĝ); every `weightCheckInterval` steps, and at the end, it finds the largest magnitude
/// of every parameter (stages and synthesizers), one vectorised pass over the weights, against a
/// step that passes over them six times per example. Measured on one thread: 0.11–0.16 ms per
/// pass against a 5–7.5 ms step for the paper's 3×256 MNIST network, 4–5 µs against a 28–34 µs
/// step for the post's addition network; every 32 steps, under 0.5% of a step. Only when a check fails does it run one inference pass over
/// the batch to find the lowest stage whose activations went bad.
///
/// The bounds are ones only a diverged run reaches: a healthy run's loss stays within a few times
/// its first step's (cross-entropy starts at ln 10 ≈ 2.3); no weight grew past 43 in magnitude in
/// the default runs of any method on either task (the bound is 10⁵); synthetic gradients track
/// true ones of order 1.
///
/// It also keeps the first epoch's mean training loss, so that ``finish(_:)`` can say in the
/// summary when the run ended worse than it began.
public struct DivergenceGuard {
    /// The loss may reach this many times its first step's value (at least 1) before the run
    /// counts as diverged.
    public var lossGrowthBound = 1e4
    /// The largest magnitude a parameter element may reach.
    public var weightBound = 1e5
    /// The largest synthesizer regression loss L_M = (1/B) Σₙ ½‖ĝₙ − δₙ‖².
    public var synthesizerLossBound = 1e6
    /// The largest activation magnitude the diagnosis accepts as healthy.
    public var activationBound: Float = 1e8
    /// Steps between two checks of the weights.
    public var weightCheckInterval: Int

    private let network: Network
    private var stepsChecked = 0
    private var firstLoss: Double?
    private var firstEpoch: Int?
    private var firstEpochLossSum = 0.0
    private var firstEpochSteps = 0

    /// A guard of `network`'s training, checking the weights every `weightCheckInterval` steps.
    public init(network: Network, weightCheckInterval: Int = 32) {
        self.network = network
        self.weightCheckInterval = max(1, weightCheckInterval)
    }

    /// Checks one finished training step: `result` is what the step returned, `epoch` and
    /// `step` are 1-based, `batch` gives the step's input batch, called only when a check fails
    /// (to find the stage whose activations went bad).
    /// - Throws: ``TrainingFailure`` naming epoch, step, stage and quantity.
    public mutating func check(_ result: StepResult, epoch: Int, step: Int, batch: () -> Matrix) throws(TrainingFailure) {
        if firstLoss == nil, result.loss.isFinite { firstLoss = result.loss }
        if firstEpoch == nil { firstEpoch = epoch }
        if epoch == firstEpoch {
            firstEpochLossSum += result.loss
            firstEpochSteps += 1
        }
        stepsChecked += 1
        let lossBound = lossGrowthBound * max(1, abs(firstLoss ?? 1))
        if !(result.loss.magnitude <= lossBound) {
            let problem = lowestBadStage(input: batch()) ?? "the loss is \(shortNumber(result.loss)), above \(shortNumber(lossBound)) (\(shortNumber(lossGrowthBound))× the first step's)"
            throw failure(epoch: epoch, step: step, problem)
        }
        if !(result.synthesizerLoss <= synthesizerLossBound) {
            let problem = lowestBadStage(input: batch())
                ?? "the synthetic gradients are off: the synthesizers' regression loss is \(shortNumber(result.synthesizerLoss)), above \(shortNumber(synthesizerLossBound))"
            throw failure(epoch: epoch, step: step, problem)
        }
        if stepsChecked % weightCheckInterval == 0, let problem = badWeights() {
            throw failure(epoch: epoch, step: step, problem)
        }
    }

    /// Writes what the guard remembers (the first loss and the first epoch's losses, which the
    /// closing check compares against) at `path`.
    func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).steps_checked", integer: stepsChecked)
        tree.set("\(path).first_loss", doubles: firstLoss.map { [$0] } ?? [])
        tree.set("\(path).first_epoch", integers: firstEpoch.map { [$0] } ?? [])
        tree.set("\(path).first_epoch_loss_sum", double: firstEpochLossSum)
        tree.set("\(path).first_epoch_steps", integer: firstEpochSteps)
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    mutating func loadState(from tree: StateTree, path: String) throws(InputError) {
        stepsChecked = try tree.integer("\(path).steps_checked")
        firstLoss = try tree.doubles("\(path).first_loss").first
        firstEpoch = try tree.integers("\(path).first_epoch").first
        firstEpochLossSum = try tree.double("\(path).first_epoch_loss_sum")
        firstEpochSteps = try tree.integer("\(path).first_epoch_steps")
    }

    /// Checks the weights once more after the last step and returns `summary` with the first
    /// epoch's mean training loss filled in (``TrainingSummary/trainLossRose``).
    /// - Throws: ``TrainingFailure`` when a parameter went bad since the last check.
    public func finish(_ summary: TrainingSummary) throws(TrainingFailure) -> TrainingSummary {
        if let problem = badWeights() {
            throw TrainingFailure("training diverged by the end of epoch \(summary.epochs): \(problem) (lower the learning rate)")
        }
        var summary = summary
        if firstEpochSteps > 0 { summary.firstEpochTrainLoss = firstEpochLossSum / Double(firstEpochSteps) }
        return summary
    }

    /// The first parameter tensor (stage by stage, body then synthesizer) with an element that is
    /// NaN or larger in magnitude than ``weightBound``, described; nil when all are healthy.
    func badWeights() -> String? {
        for (index, stage) in network.stages.enumerated() {
            if let problem = firstBadParameter(stage.parameters, stage: index, owner: "parameter") { return problem }
            if let synthesizer = stage.synthesizer,
               let problem = firstBadParameter(synthesizer.parameters, stage: index, owner: "synthesizer parameter") {
                return problem
            }
        }
        return nil
    }

    /// The first of `parameters` that holds a NaN or an element larger in magnitude than
    /// ``weightBound``, described; nil when all are healthy. Allocates nothing when healthy.
    private func firstBadParameter(_ parameters: [Parameter], stage: Int, owner: String) -> String? {
        for parameter in parameters where parameter.count > 0 {
            let largest = Self.largestMagnitude(parameter.value)
            if !(Double(largest) <= weightBound) {
                let size = largest.isFinite ? "reaches \(shortNumber(Double(largest))) in magnitude, above \(shortNumber(weightBound))"
                                            : "is not finite"
                return "stage \(stage + 1) of \(network.stages.count): \(owner) \"\(parameter.name)\" \(size)"
            }
        }
        return nil
    }

    /// max |mᵢ| over the elements of `matrix`; NaN if any element is NaN.
    ///
    /// On the bit patterns: with the sign bit cleared, IEEE 754 floats order as unsigned
    /// integers, +∞ is 0x7F800000 and every NaN lies above it; an integer max reduction
    /// vectorises where a float one (NaN rules) does not.
    static func largestMagnitude(_ matrix: Matrix) -> Float {
        let largest: UInt32 = matrix.withUnsafeBufferPointer { elements in
            elements.withMemoryRebound(to: UInt32.self) { bits in
                var largest: UInt32 = 0
                for pattern in bits { largest = max(largest, pattern & 0x7FFF_FFFF) }
                return largest
            }
        }
        return largest > 0x7F80_0000 ? .nan : Float(bitPattern: largest)
    }

    /// Runs `input` through the stages in inference mode and describes the lowest stage whose
    /// parameters or activations went bad; nil when none did.
    func lowestBadStage(input: Matrix) -> String? {
        if let problem = badWeights() { return problem }
        var activation = input
        let count = network.stages.count
        for (index, stage) in network.stages.enumerated() {
            activation = stage.forward(activation, mode: .inference)
            let largest = activation.withUnsafeBufferPointer { values in
                values.reduce(Float(0)) { largest, value in value.isNaN ? .nan : max(largest, abs(value)) }
            }
            if !largest.isFinite {
                return "stage \(index + 1) of \(count): the activations are not finite"
            }
            if largest > activationBound {
                return "stage \(index + 1) of \(count): the activations reach \(shortNumber(Double(largest))), above \(shortNumber(Double(activationBound)))"
            }
        }
        return nil
    }

    private func failure(epoch: Int, step: Int, _ problem: String) -> TrainingFailure {
        TrainingFailure("training diverged at epoch \(epoch), step \(step): \(problem) (lower the learning rate)")
    }
}

/// A number for a one-line message: `nan`, `inf`, up to three decimals, or three significant
/// digits in scientific notation (`1.26e4`) outside [0.001, 10000).
func shortNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let magnitude = abs(value)
    guard magnitude != 0, magnitude < 1e-3 || magnitude >= 1e4 else {
        return trimmedDecimal((value * 1000).rounded() / 1000)
    }
    var exponent = Int(log10(magnitude).rounded(.down))
    var mantissa = value / pow(10, Double(exponent))
    if abs((mantissa * 100).rounded()) >= 1000 { mantissa /= 10; exponent += 1 }
    return trimmedDecimal((mantissa * 100).rounded() / 100) + "e\(exponent)"
}

/// `value` without a trailing `.0`.
private func trimmedDecimal(_ value: Double) -> String {
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}

