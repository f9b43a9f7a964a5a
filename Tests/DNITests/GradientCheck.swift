import DNI
import Linalg

/// Finite-difference checks of hand-written backward passes, with the scalar f accumulated in
/// `Double` on the check side.
///
/// For a layer y = g(x), take a fixed random R and f(x, θ) = Σ y ⊙ R. Under the per-example
/// convention of ``Layer``, `backward(R)` must return ∂f/∂x, and each parameter gradient must
/// equal (1/B)·∂f/∂θ (a batch mean).
enum GradientCheck {
    struct Report {
        var maxInputError = 0.0
        var maxParameterError = 0.0
    }

    /// f(x) = Σ layer(x) ⊙ weights, in probe mode (nothing persistent changes).
    static func objective(_ layer: any Layer, _ input: Matrix, _ weights: Matrix) -> Double {
        layer.forward(input, mode: .probe).dot(weights)
    }

    /// Largest relative error |analytic − numeric| / max(1, |numeric|) over all input elements and
    /// all parameter elements, for central differences of step `step`.
    static func check(_ layer: any Layer, batch: Int, seed: UInt64 = 3, step: Float = 1e-2,
                      inputScale: Float = 1) -> Report {
        var generator = SeededGenerator(seed: seed)
        var input = Matrix.randomNormal(rows: batch, columns: layer.inputSize, standardDeviation: inputScale, using: &generator)
        let weights = Matrix.randomNormal(rows: batch, columns: layer.outputSize, standardDeviation: 1, using: &generator)
        _ = layer.forward(input, mode: .probe)
        let inputGradient = layer.backward(weights, needsInputGradient: true)
        let parameterGradients = layer.parameters.map(\.gradient)
        var report = Report()
        for index in 0..<input.count {
            let row = index / input.columns, column = index % input.columns
            let original = input[row, column]
            input[row, column] = original + step
            let plus = objective(layer, input, weights)
            input[row, column] = original - step
            let minus = objective(layer, input, weights)
            input[row, column] = original
            let numeric = (plus - minus) / Double(2 * step)
            let analytic = Double(inputGradient[row, column])
            report.maxInputError = max(report.maxInputError, abs(analytic - numeric) / max(1, abs(numeric)))
        }
        for (parameter, gradient) in zip(layer.parameters, parameterGradients) {
            for index in 0..<parameter.count {
                let row = index / parameter.value.columns, column = index % parameter.value.columns
                let original = parameter.value[row, column]
                parameter.value[row, column] = original + step
                let plus = objective(layer, input, weights)
                parameter.value[row, column] = original - step
                let minus = objective(layer, input, weights)
                parameter.value[row, column] = original
                let numeric = (plus - minus) / Double(2 * step) / Double(batch)
                let analytic = Double(gradient[row, column])
                report.maxParameterError = max(report.maxParameterError, abs(analytic - numeric) / max(1, abs(numeric)))
            }
        }
        return report
    }

    /// Largest |analytic − numeric| of a loss's per-example gradient, by central differences of
    /// L = (1/B) Σ ℓₙ: the per-example gradient ∂ℓₙ/∂yₙ equals B · ∂L/∂yₙ.
    static func lossGradientError(_ loss: some Loss, prediction: Matrix, target: Matrix, step: Float = 1e-2) -> Double {
        var prediction = prediction
        var gradient = Matrix.empty
        _ = loss.evaluate(prediction: prediction, target: target, gradient: &gradient)
        var maxError = 0.0
        for row in 0..<prediction.rows {
            for column in 0..<prediction.columns {
                let original = prediction[row, column]
                prediction[row, column] = original + step
                let plus = loss.value(prediction: prediction, target: target)
                prediction[row, column] = original - step
                let minus = loss.value(prediction: prediction, target: target)
                prediction[row, column] = original
                let numeric = (plus - minus) / Double(2 * step) * Double(prediction.rows)
                maxError = max(maxError, abs(numeric - Double(gradient[row, column])))
            }
        }
        return maxError
    }
    /// Largest relative error |analytic − numeric| / max(1, |numeric|) of the gradients the
    /// `parameters` hold (left by the step under test), against central differences of `loss`
    /// with step `step`, over every `stride`-th element of each parameter. Each element is put
    /// back after its two evaluations.
    static func parameterGradientError(_ parameters: [Parameter], stride elementStride: Int = 1, step: Float = 1e-2,
                                       loss: () -> Double) -> Double {
        var worst = 0.0
        for parameter in parameters {
            for index in stride(from: 0, to: parameter.count, by: elementStride) {
                let row = index / parameter.value.columns, column = index % parameter.value.columns
                let original = parameter.value[row, column]
                parameter.value[row, column] = original + step
                let plus = loss()
                parameter.value[row, column] = original - step
                let minus = loss()
                parameter.value[row, column] = original
                let numeric = (plus - minus) / Double(2 * step)
                worst = max(worst, abs(Double(parameter.gradient[row, column]) - numeric) / max(1, abs(numeric)))
            }
        }
        return worst
    }
}
