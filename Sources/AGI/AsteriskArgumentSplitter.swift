/// Splits a command line into words the way Asterisk's `parse_args` does:
/// spaces and tabs separate, double quotes group, `\` takes the next character literally.
/// The fake Asterisk uses it, and tests use it to prove that encoding round-trips.
public enum AsteriskArgumentSplitter {
    public static func split(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quoted = false
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                inWord = true
                continue
            }
            switch character {
            case "\\":
                escaped = true
            case "\"":
                quoted.toggle()
                inWord = true
            case " " where !quoted, "\t" where !quoted:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
