import DNI
import Linalg
import Testing

/// The LSTM's backward through time against central finite differences, over several steps and
/// across two windows with the state carried from the first into the second.
///
/// Objective: f = Σ_windows Σ_t Σ y_t ⊙ R_t + Σ s_final ⊙ R_s for fixed random R. Under the
/// conventions of ``RecurrentCell``, backward must return ∂f/∂x and ∂f/∂s₀ exactly and each
/// window's parameter gradient must equal (1/(T·B))·∂f_window/∂θ.
///
/// Tolerance as in LayerGradientTests: Float arithmetic differenced with step 1e-2 carries
/// ~1e-4 rounding noise plus O(step²) truncation error; 2e-3 relative (to max(1, |numeric|))
/// leaves margin and still catches a wrong factor, sign or transpose (errors ≥ 0.1).
@Suite struct LSTMGradientTests {
    static let tolerance = 2e-3
    static let steps = 3, batch = 2, inputSize = 3, hiddenSize = 4

    struct Problem {
        var inputs: [Matrix]           // one [T·B, I] per window
        var initialState: Matrix       // [B, 2H]
        var outputWeights: [Matrix]    // R_t per window, [T·B, H]
        var stateWeights: Matrix       // R_s, [B, 2H]
    }

    static func makeProblem(windows: Int, seed: UInt64) -> Problem {
        var generator = SeededGenerator(seed: seed)
        let rows = steps * batch
        return Problem(
            inputs: (0..<windows).map { _ in .randomNormal(rows: rows, columns: inputSize, standardDeviation: 1, using: &generator) },
            initialState: .randomNormal(rows: batch, columns: 2 * hiddenSize, standardDeviation: 0.5, using: &generator),
            outputWeights: (0..<windows).map { _ in .randomNormal(rows: rows, columns: hiddenSize, standardDeviation: 1, using: &generator) },
            stateWeights: .randomNormal(rows: batch, columns: 2 * hiddenSize, standardDeviation: 1, using: &generator))
    }

    /// Runs one window forward from `state`; returns Σ y ⊙ R and the final state.
    static func forwardWindow(_ cell: LSTM, inputs: Matrix, state: Matrix, weights: Matrix) -> (Double, Matrix) {
        cell.prepareWindow(steps: steps, batch: batch)
        var current = state, next = Matrix.empty
        for t in 0..<steps {
            cell.forward(step: t, inputs: inputs, state: current, nextState: &next)
            swap(&current, &next)
        }
        return (cell.outputs.dot(weights), current)
    }

    static func objective(_ cell: LSTM, _ problem: Problem) -> Double {
        var state = problem.initialState, total = 0.0
        for (inputs, weights) in zip(problem.inputs, problem.outputWeights) {
            let (value, final) = forwardWindow(cell, inputs: inputs, state: state, weights: weights)
            total += value
            state = final
        }
        return total + state.dot(problem.stateWeights)
    }

    /// Analytic gradients: windows backward from the last, the state gradient carried between them.
    static func analytic(_ cell: LSTM, _ problem: Problem) -> (inputs: [Matrix], state: Matrix, parameters: [Matrix]) {
        let windows = problem.inputs.count
        var states = [problem.initialState]
        for w in 0..<windows {
            states.append(forwardWindow(cell, inputs: problem.inputs[w], state: states[w], weights: problem.outputWeights[w]).1)
        }
        var stateGradient = problem.stateWeights
        var inputGradients = [Matrix](repeating: .empty, count: windows)
        var parameterGradients = cell.parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        for w in stride(from: windows - 1, through: 0, by: -1) {
            _ = forwardWindow(cell, inputs: problem.inputs[w], state: states[w], weights: problem.outputWeights[w])
            var next = stateGradient, previous = Matrix.empty
            for t in stride(from: steps - 1, through: 0, by: -1) {
                cell.backward(step: t, outputGradients: problem.outputWeights[w], nextStateGradient: next,
                              stateGradient: &previous, needsStateGradient: true, needsInputGradient: true)
                swap(&next, &previous)
            }
            stateGradient = next
            inputGradients[w] = cell.inputGradients
            cell.finishBackward(steps: steps)
            for (index, parameter) in cell.parameters.enumerated() {
                parameterGradients[index].add(parameter.gradient, scaledBy: Float(steps * batch))
            }
        }
        return (inputGradients, stateGradient, parameterGradients)
    }

    static func relativeError(_ analytic: Float, _ numeric: Double) -> Double {
        abs(Double(analytic) - numeric) / max(1, abs(numeric))
    }

    /// Largest relative error over every input, initial-state and parameter element.
    static func check(windows: Int, instructionSet: GEMMInstructionSet, seed: UInt64) -> (inputs: Double, state: Double, parameters: Double) {
        var generator = SeededGenerator(seed: seed + 100)
        let cell = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, generator: &generator,
                        engine: GEMMEngine(kernel: ReferenceGEMM()), instructionSet: instructionSet)
        var problem = makeProblem(windows: windows, seed: seed)
        let gradients = analytic(cell, problem)
        let step: Float = 1e-2
        func numeric(_ perturb: (Float) -> Void) -> Double {
            perturb(step); let plus = objective(cell, problem)
            perturb(-2 * step); let minus = objective(cell, problem)
            perturb(step)
            return (plus - minus) / Double(2 * step)
        }
        var inputError = 0.0, stateError = 0.0, parameterError = 0.0
        for w in 0..<windows {
            for index in 0..<problem.inputs[w].count {
                let r = index / inputSize, c = index % inputSize
                let value = numeric { problem.inputs[w][r, c] += $0 }
                inputError = max(inputError, relativeError(gradients.inputs[w][r, c], value))
            }
        }
        for index in 0..<problem.initialState.count {
            let r = index / (2 * hiddenSize), c = index % (2 * hiddenSize)
            let value = numeric { problem.initialState[r, c] += $0 }
            stateError = max(stateError, relativeError(gradients.state[r, c], value))
        }
        for (p, parameter) in cell.parameters.enumerated() {
            for index in 0..<parameter.count {
                let r = index / parameter.value.columns, c = index % parameter.value.columns
                let value = numeric { parameter.value[r, c] += $0 }
                parameterError = max(parameterError, relativeError(gradients.parameters[p][r, c], value))
            }
        }
        return (inputError, stateError, parameterError)
    }

    @Test(arguments: GEMMInstructionSet.allCases.filter(\.isSupported))
    func oneWindowOfThreeSteps(_ instructionSet: GEMMInstructionSet) {
        let errors = Self.check(windows: 1, instructionSet: instructionSet, seed: 1)
        #expect(errors.inputs < Self.tolerance)
        #expect(errors.state < Self.tolerance)
        #expect(errors.parameters < Self.tolerance)
    }

    @Test(arguments: GEMMInstructionSet.allCases.filter(\.isSupported))
    func twoWindowsWithCarriedState(_ instructionSet: GEMMInstructionSet) {
        let errors = Self.check(windows: 2, instructionSet: instructionSet, seed: 2)
        #expect(errors.inputs < Self.tolerance)
        #expect(errors.state < Self.tolerance)
        #expect(errors.parameters < Self.tolerance)
    }

    /// The forget-gate bias starts at 1 and the other gate biases at 0.
    @Test func forgetGateBiasStartsAtOne() {
        var generator = SeededGenerator(seed: 3)
        let cell = LSTM(inputSize: 2, hiddenSize: 5, generator: &generator)
        let bias = cell.bias.value.storage
        #expect(bias[0..<5].allSatisfy { $0 == 0 })
        #expect(bias[5..<10].allSatisfy { $0 == 1 })
        #expect(bias[10..<20].allSatisfy { $0 == 0 })
    }
}
