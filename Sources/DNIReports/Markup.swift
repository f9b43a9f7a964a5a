/// Escaping for text placed in HTML or SVG (XML), in element content and in quoted attributes.
enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, so it can go
    /// anywhere in an element's content or a quoted attribute value.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
