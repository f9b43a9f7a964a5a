import DNI

/// Shows training progress: JSON Lines with `--json`, a redrawn progress bar on a terminal,
/// and one plain line per epoch when standard output is a pipe or a file.
struct ProgressReporter {
    enum Style { case json, bar, lines }

    let style: Style
    /// Tag for JSON lines and text (set when several methods share one output).
    let method: TrainingMethod
    let tagLines: Bool
    /// The seed, tagged on every line when several seeds share one output (`compare --seeds`).
    let seed: UInt64?
    /// Where the lines go.
    let output: CommandOutput
    private let clock = ContinuousClock()
    private var lastDraw: ContinuousClock.Instant?

    init(json: Bool, method: TrainingMethod, tagLines: Bool, seed: UInt64? = nil, output: CommandOutput) {
        self.style = json ? .json : (output.isTerminal ? .bar : .lines)
        self.method = method
        self.tagLines = tagLines
        self.seed = seed
        self.output = output
    }

    /// The run's name in text lines: `dni`, or `dni seed 2` when seeds are tagged.
    var label: String {
        seed.map { "\(method.rawValue) seed \($0)" } ?? method.rawValue
    }

    /// `line` with the seed appended when seeds are tagged.
    func tagged(_ line: JSONLine) -> String {
        var line = line
        if let seed { line.append("seed", .integer(Int(truncatingIfNeeded: seed))) }
        return line.description
    }

    mutating func handle(_ event: TrainingEvent, totalEpochs: Int) {
        switch (style, event) {
        case (.json, .epoch(let record)):
            emit(tagged(record.jsonLine(method: tagLines ? method : nil)))
        case (.json, .probe(let record)):
            for line in record.jsonLines(method: tagLines ? method : nil) { emit(tagged(line)) }
        case (.bar, .step(let epoch, let step, let steps, let loss)):
            let now = clock.now
            if let lastDraw, now - lastDraw < .milliseconds(100), step < steps { return }
            lastDraw = now
            let width = 30
            let done = Int(Double(width) * Double(step) / Double(max(1, steps)))
            let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            emitPartial("\r\(label) epoch \(epoch)/\(totalEpochs) [\(bar)] \(step)/\(steps) loss \(format(loss, 4))\u{1B}[K")
        case (.bar, .epoch(let record)):
            emitPartial("\r\u{1B}[K")
            emit(epochLine(record))
        case (.lines, .epoch(let record)):
            emit(epochLine(record))
        case (.json, .line(let line, _)):
            emit(tagged(line))
        case (.bar, .line(_, let text)), (.lines, .line(_, let text)):
            if style == .bar { emitPartial("\r\u{1B}[K") }
            emit(text)
        case (.bar, .probe(let record)), (.lines, .probe(let record)):
            let parts = record.stages.map { "stage \($0.stage + 1) cos \(format($0.cosine, 3)) norm×\(format($0.normRatio, 2))" }
            if style == .bar { emitPartial("\r\u{1B}[K") }
            emit("\(label) probe step \(record.step): " + parts.joined(separator: ", "))
        default:
            break
        }
    }

    private func epochLine(_ record: EpochRecord) -> String {
        var text = "\(label) epoch \(record.epoch): train loss \(format(record.trainLoss, 5)), test loss \(format(record.test.loss, 5)), test accuracy \(format(100 * record.test.accuracy, 2))%"
        if let exact = record.test.exactAccuracy { text += ", exact \(format(100 * exact, 2))%" }
        if record.synthesizerLoss > 0 { text += ", synthesizer loss \(format(record.synthesizerLoss, 6))" }
        return text + " (\(format(record.seconds, 2)) s)"
    }

    private func emit(_ line: String) {
        output.line(line)
    }

    private func emitPartial(_ text: String) {
        output.partial(text)
    }
}

/// `value` with `digits` digits after the decimal point.
func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    // Past 2^53 the fixed-point digits are no longer exact and `Int(rounded)` would trap at 2^63
    // (a diverging run's loss of 1e20): such values are written in scientific notation.
    guard abs(value) * scale < 9.0e15 else { return scientificFormat(value, digits) }
    let rounded = (abs(value) * scale).rounded() / scale
    var text = String(Int(rounded))
    let fraction = Int(((rounded - rounded.rounded(.towardZero)) * scale).rounded())
    if digits > 0 {
        let fractionText = String(fraction)
        text += "." + String(repeating: "0", count: max(0, digits - fractionText.count)) + fractionText
    }
    return (value < 0 && rounded != 0 ? "-" : "") + text
}

/// A large finite `value` as `d.ddde+N`, with `digits` digits after the point (at most 6).
private func scientificFormat(_ value: Double, _ digits: Int) -> String {
    let precision = min(digits, 6)
    // Divisions by ten (at most 308) rather than log10 and pow: no C library needed here.
    var mantissa = abs(value), exponent = 0
    while mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    // Rounding 9.99996 to four digits gives 10.0000: carry into the exponent.
    if format(mantissa, precision).hasPrefix("10") {
        mantissa /= 10
        exponent += 1
    }
    return (value < 0 ? "-" : "") + format(mantissa, precision) + "e+" + String(exponent)
}
