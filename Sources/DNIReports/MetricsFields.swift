/// Typed access to the fields of one JSON object, with errors that name the field.
struct MetricsFields {
    let fields: [String: JSONValue]

    init(_ fields: [String: JSONValue]) {
        self.fields = fields
    }

    /// The string at `key`; nil when absent or null.
    func string(_ key: String) throws(MetricsLineProblem) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw MetricsLineProblem("\"\(key)\" should be a string, found \(other.typeName)")
        }
    }

    /// The number at `key`; nil when absent or null.
    func number(_ key: String) throws(MetricsLineProblem) -> Double? {
        switch fields[key] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        case let other?: throw MetricsLineProblem("\"\(key)\" should be a number, found \(other.typeName)")
        }
    }

    /// The fraction in [0, 1] at `key` (an accuracy); nil when absent or null.
    func fraction(_ key: String) throws(MetricsLineProblem) -> Double? {
        guard let value = try number(key) else { return nil }
        guard (0...1).contains(value) else {
            throw MetricsLineProblem("\"\(key)\" should be a fraction in [0, 1], found \(value)")
        }
        return value
    }

    /// The whole number at `key`; nil when absent or null.
    func integer(_ key: String) throws(MetricsLineProblem) -> Int? {
        guard let value = try number(key) else { return nil }
        guard value.rounded() == value, abs(value) < 9.0e15 else {
            throw MetricsLineProblem("\"\(key)\" should be a whole number, found \(value)")
        }
        return Int(value)
    }

    /// The number at `key`, which an `event` line must have.
    func requiredNumber(_ key: String, event: String) throws(MetricsLineProblem) -> Double {
        guard let value = try number(key) else {
            throw MetricsLineProblem("\(event) record has no \"\(key)\"")
        }
        return value
    }

    /// The whole number at `key`, which an `event` line must have.
    func requiredInteger(_ key: String, event: String) throws(MetricsLineProblem) -> Int {
        guard let value = try integer(key) else {
            throw MetricsLineProblem("\(event) record has no \"\(key)\"")
        }
        return value
    }

    /// Every numeric field whose name is not in `known`.
    func numbers(excluding known: Set<String>) -> [String: Double] {
        var result: [String: Double] = [:]
        for (key, value) in fields where !known.contains(key) {
            if case .number(let number) = value {
                result[key] = number
            }
        }
        return result
    }
}
