import AGI

/// What the fake does with one command line from the server.
public enum AsteriskAction: Sendable, Equatable {
    case send([String])
    /// Send these lines after a delay: the caller took this long (a pause in the keys).
    case sendLater([String], after: Duration)
    /// Send these lines, then close the socket.
    case sendAndClose([String])
    /// Never answer.
    case stall
}

/// Asterisk's side of a session, as a pure state machine the client drives.
public protocol AsteriskSide: Sendable {
    mutating func respond(to line: String) -> AsteriskAction
    /// Copies what this side observed into the session's record when it ends.
    func finish(into record: inout SessionRecord)
}

/// Answers AGI commands the way Asterisk 20 does, from a `CallScript`. Pure: no IO.
public struct AsteriskResponder: AsteriskSide {
    public typealias Action = AsteriskAction

    public private(set) var script: CallScript
    public private(set) var commandCount = 0
    public private(set) var isDead: Bool
    /// Every variable the server set, by name, last value wins.
    public private(set) var variables: [String: String]
    /// Every `SET VARIABLE` in order, for tests that care about order.
    public private(set) var assignments: [(name: String, value: String)] = []
    /// Files the server played or prompted with, in order.
    public private(set) var prompts: [String] = []
    /// The caller's keys, consumed by `GET DATA`, `WAIT FOR DIGIT` and `STREAM FILE` in turn.
    public private(set) var keys: KeyStream
    /// The command being answered met a pause in the keys: its reply is delayed.
    private var paused = false
    private var hangupNoticePending = false

    /// Commands that Asterisk still runs on a dead channel.
    static let deadChannelCommands: Set<String> = [
        "GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "EXEC", "VERBOSE", "NOOP",
        "DATABASE GET", "DATABASE PUT", "DATABASE DEL", "DATABASE DELTREE",
    ]
    static let knownVerbs: [String] = [
        "GET FULL VARIABLE", "GET VARIABLE", "SET VARIABLE", "GET DATA", "STREAM FILE", "WAIT FOR DIGIT",
        "DATABASE DELTREE", "DATABASE GET", "DATABASE PUT", "DATABASE DEL",
        "ANSWER", "EXEC", "VERBOSE", "NOOP", "HANGUP",
    ]

    public init(script: CallScript) {
        self.script = script
        self.keys = KeyStream(script.keys)
        self.isDead = script.startsDead
        self.variables = script.variables
    }

    public func finish(into record: inout SessionRecord) {
        record.variables = variables
        record.assignments = assignments
        record.prompts = prompts
    }

    public mutating func respond(to line: String) -> Action {
        commandCount += 1
        if commandCount == script.stallAtCommand { return .stall }
        let words = AsteriskArgumentSplitter.split(line)
        let verb = Self.knownVerbs.first { verb in
            let verbWords = verb.split(separator: " ").map(String.init)
            return words.count >= verbWords.count && words.prefix(verbWords.count).map { $0.uppercased() } == verbWords
        }
        let arguments = verb.map { Array(words.dropFirst($0.split(separator: " ").count)) } ?? []
        let hangsUpNow = commandCount == script.hangupAtCommand && !isDead

        var lines: [String] = []
        if hangupNoticePending {
            hangupNoticePending = false
            switch script.hangupStyle {
            case .sighup: lines.append("HANGUP")
            case .noSighup: break
            case .exitOnHangup: return .sendAndClose(["HANGUP", "HANGUP"])
            }
        }
        if hangsUpNow {
            isDead = true
            if script.hangupStyle != .noSighup { hangupNoticePending = true }
        }
        guard let verb else { return .send(lines + ["510 Invalid or unknown command"]) }
        if isDead && !Self.deadChannelCommands.contains(verb) {
            // The command in flight when the caller hangs up fails with -1; later ones get 511.
            lines.append(hangsUpNow ? (verb == "STREAM FILE" ? "200 result=-1 endpos=0" : "200 result=-1") : Self.dead)
            return .send(lines)
        }
        paused = false
        lines += reply(verb: verb, arguments: arguments)
        return paused ? .sendLater(lines, after: script.pause) : .send(lines)
    }

    static let dead = "511 Command Not Permitted on a dead channel or intercept routine"
    static let usage = [
        "520-Invalid command syntax.  Proper usage follows:",
        "Usage text.",
        "520 End of proper usage.",
    ]

    private mutating func reply(verb: String, arguments: [String]) -> [String] {
        switch verb {
        case "ANSWER", "NOOP":
            return ["200 result=0"]
        case "VERBOSE":
            return ["200 result=1"]
        case "HANGUP":
            isDead = true
            if script.hangupStyle != .noSighup { hangupNoticePending = true }
            return ["200 result=1"]
        case "EXEC":
            guard let application = arguments.first else { return Self.usage }
            // Asterisk finds applications by name regardless of case.
            if script.missingApplications.contains(where: { $0.lowercased() == application.lowercased() }) {
                return ["200 result=-2"]
            }
            if application.lowercased() == "mset" {
                for (name, value) in Self.msetPairs(arguments.count > 1 ? arguments[1] : "") { assign(name, value) }
            }
            return ["200 result=0"]
        case "SET VARIABLE":
            guard arguments.count == 2 else { return Self.usage }
            assign(arguments[0], arguments[1])
            return ["200 result=1"]
        case "GET VARIABLE":
            guard arguments.count == 1 else { return Self.usage }
            return variables[arguments[0]].map { ["200 result=1 (\($0))"] } ?? ["200 result=0"]
        case "GET FULL VARIABLE":
            guard arguments.count >= 1 else { return Self.usage }
            return ["200 result=1 (\(expand(arguments[0])))"]
        case "STREAM FILE":
            guard arguments.count >= 2 else { return Self.usage }
            prompts.append(arguments[0])
            if script.missingFiles.contains(arguments[0]) { return ["200 result=-1 endpos=0"] }
            if let key = keys.escape(from: arguments[1]) { return ["200 result=\(key.asciiValue ?? 0) endpos=\(script.soundLength / 2)"] }
            return ["200 result=0 endpos=\(script.soundLength)"]
        case "WAIT FOR DIGIT":
            let (key, paused) = keys.waitForDigit()
            self.paused = paused
            return ["200 result=\(key?.asciiValue ?? 0)"]
        case "GET DATA":
            guard let file = arguments.first else { return Self.usage }
            prompts.append(file)
            if script.missingFiles.contains(file) { return ["200 result=-1"] }
            let maxDigits = arguments.count >= 3 ? Int(arguments[2]) ?? 1024 : 1024
            let collected = keys.getData(maxDigits: maxDigits)
            paused = collected.paused
            return [collected.reply]
        default:
            return ["200 result=0"]
        }
    }

    private mutating func assign(_ name: String, _ value: String) {
        variables[name] = value
        assignments.append((name, value))
    }

    /// MSet's parsing: pairs split on commas outside parentheses, each on its first `=` outside
    /// them (Asterisk's `AST_STANDARD_APP_ARGS`, then `AST_NONSTANDARD_APP_ARGS` on `=`).
    public static func msetPairs(_ data: String) -> [(String, String)] {
        func split(_ text: Substring, on separator: Character, limit: Int) -> [Substring] {
            var parts: [Substring] = []
            var depth = 0
            var start = text.startIndex
            for index in text.indices {
                switch text[index] {
                case "(": depth += 1
                case ")": depth = max(0, depth - 1)
                case separator where depth == 0 && parts.count < limit - 1:
                    parts.append(text[start..<index])
                    start = text.index(after: index)
                default: break
                }
            }
            return parts + [text[start...]]
        }
        return split(Substring(data), on: ",", limit: .max).compactMap { pair in
            let nameValue = split(pair, on: "=", limit: 2)
            return nameValue.count == 2 ? (String(nameValue[0]), String(nameValue[1])) : nil
        }
    }

    /// `${NAME}` substitution from the channel's variables; unknown names expand to nothing.
    private func expand(_ expression: String) -> String {
        var out = ""
        var rest = Substring(expression)
        while let open = rest.firstRange(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            out += variables[String(rest[open.upperBound..<close])] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
