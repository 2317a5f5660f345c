/// One AGI command: the verb words (`GET DATA`) and its arguments, encoded with
/// Asterisk's quoting so that any value arrives as exactly one argument.
public struct AGICommand: Sendable, Equatable, CustomStringConvertible {
    public enum Argument: Sendable, Equatable {
        /// Written bare when it is safe to, quoted otherwise.
        case value(String)
        /// Always written in double quotes (messages, escape-digit sets), as Asterisk's own docs show.
        case quoted(String)

        public var text: String {
            switch self {
            case .value(let s), .quoted(let s): s
            }
        }
    }

    public var verb: String
    public var arguments: [Argument]

    public init(_ verb: String, _ arguments: [Argument] = []) {
        self.verb = verb
        self.arguments = arguments
    }

    public var description: String { (try? encodedLine()) ?? verb }

    /// Longest line the server writes. Asterisk reads 2048 bytes a line before 20.16 / 22.6.
    public static let maxLineLength = 2047

    /// The wire line, without its `\n`.
    public func encodedLine() throws(EncodingError) -> String {
        var line = verb
        for argument in arguments {
            line += " "
            switch argument {
            case .value(let s): line += try Self.quoteIfNeeded(s)
            case .quoted(let s): line += try Self.quote(s)
            }
        }
        guard line.utf8.count <= Self.maxLineLength else { throw .lineTooLong(line.utf8.count) }
        return line
    }

    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        /// A CR, LF or NUL would end the line early and inject a second command.
        case lineBreakInArgument(String)
        case lineTooLong(Int)

        public var description: String {
            switch self {
            case .lineBreakInArgument(let s): "refusing an AGI argument with a line break: \(s.prefix(40).debugDescription)"
            case .lineTooLong(let n): "AGI command of \(n) bytes exceeds \(AGICommand.maxLineLength)"
            }
        }
    }

    static func quoteIfNeeded(_ s: String) throws(EncodingError) -> String {
        if !s.isEmpty, s.utf8.allSatisfy(isBareSafe) { return s }
        return try quote(s)
    }

    static func quote(_ s: String) throws(EncodingError) -> String {
        // The usual case, nothing to escape: one concatenation instead of a scalar-by-scalar copy.
        if !s.utf8.contains(where: needsEscape) { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\0": throw .lineBreakInArgument(s)
            case "\"", "\\": out += "\\"; out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == 0
    }

    private static func isBareSafe(_ byte: UInt8) -> Bool {
        // Anything but whitespace, quotes, backslashes and control bytes passes Asterisk's splitter unchanged.
        byte > 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0x7F
    }
}

// MARK: - The commands the product uses

extension AGICommand {
    public static let answer = AGICommand("ANSWER")
    public static let noop = AGICommand("NOOP")
    public static let hangup = AGICommand("HANGUP")

    /// `GET DATA file timeout_ms maxdigits`.
    public static func getData(file: String, timeout: Duration, maxDigits: Int) -> AGICommand {
        AGICommand("GET DATA", [.value(file), .value(String(timeout.milliseconds)), .value(String(maxDigits))])
    }

    public static func streamFile(_ file: String, escapeDigits: String = "") -> AGICommand {
        AGICommand("STREAM FILE", [.value(file), .quoted(escapeDigits)])
    }

    public static func waitForDigit(timeout: Duration) -> AGICommand {
        AGICommand("WAIT FOR DIGIT", [.value(String(timeout.milliseconds))])
    }

    public static func setVariable(_ name: String, _ value: String) -> AGICommand {
        AGICommand("SET VARIABLE", [.value(name), .value(value)])
    }

    public static func getVariable(_ name: String) -> AGICommand {
        AGICommand("GET VARIABLE", [.value(name)])
    }

    public static func getFullVariable(_ expression: String) -> AGICommand {
        AGICommand("GET FULL VARIABLE", [.value(expression)])
    }

    /// `EXEC App "a,b,c"`: the application's whole argument string is one word.
    public static func exec(_ application: String, _ arguments: String = "") -> AGICommand {
        AGICommand("EXEC", arguments.isEmpty ? [.value(application)] : [.value(application), .quoted(arguments)])
    }

    public static func verbose(_ message: String, level: Int = 1) -> AGICommand {
        AGICommand("VERBOSE", [.quoted(message), .value(String(level))])
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; AGI timeouts are in milliseconds.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension AGICommand {
    /// `EXEC MSet "A=1,B=2"`: several channel variables in one round trip instead of one
    /// `SET VARIABLE` each. Asterisk's `MSet` sets each pair in order through the same
    /// `pbx_builtin_setvar_helper` as `SET VARIABLE`, so function names like
    /// `CHANNEL(accountcode)` are written too. `nil` when a name or value holds a character that
    /// MSet's argument parsing would split or strip (`,` `=` `"` `\` `|` `$`, parentheses or
    /// spaces in values, ...): then send one `SET VARIABLE` each.
    public static func setVariables(_ pairs: [(name: String, value: String)]) -> AGICommand? {
        guard !pairs.isEmpty else { return nil }
        var arguments = ""
        for (index, pair) in pairs.enumerated() {
            guard isMSetName(pair.name), pair.value.utf8.allSatisfy(isMSetValueByte) else { return nil }
            if index > 0 { arguments += "," }
            arguments += pair.name
            arguments += "="
            arguments += pair.value
        }
        return .exec("MSet", arguments)
    }

    private static func isMSetValueByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "#"),
             UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"): true
        default: false
        }
    }

    /// A name may call a dialplan function (`CHANNEL(accountcode)`): its parentheses must balance,
    /// or MSet's parser would read the following pairs as the function's arguments.
    private static func isMSetName(_ name: String) -> Bool {
        var depth = 0
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"):
                continue
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth < 0 { return false }
            default: return false
            }
        }
        return !name.isEmpty && depth == 0
    }
}
