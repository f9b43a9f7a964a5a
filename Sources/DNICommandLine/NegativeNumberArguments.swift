/// Lets an option take a negative number as its value (`--epochs -1`), so that the option's own
/// check can say what is wrong with the number.
///
/// The argument parser reads any word that starts with `-` as another option: `--epochs -1`
/// was answered "Missing value for '--epochs'". Every option of `dni` that takes a value takes
/// it after `=` as well, and no option's name is a number, so `--name -1` is rewritten as
/// `--name=-1` before parsing. Words after `--` are left alone.
enum NegativeNumberArguments {
    /// `arguments` with each `--name NUMBER` whose number is negative joined into `--name=NUMBER`.
    static func joined(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                result += arguments[index...]
                break
            }
            if word.hasPrefix("--"), word.count > 2, !word.contains("="), index + 1 < arguments.count,
               isNegativeNumber(arguments[index + 1]) {
                result.append(word + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(word)
            index += 1
        }
        return result
    }

    /// Whether `word` reads as a negative number: `-1`, `-0.5`, `-.5`, `-1e9`, `-inf`, `-nan`.
    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst()
        if ["inf", "infinity", "nan"].contains(rest.lowercased()) { return true }
        guard let first = rest.first, first.isNumber || first == "." else { return false }
        return Double(rest) != nil
    }
}
