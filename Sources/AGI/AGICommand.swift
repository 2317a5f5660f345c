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
