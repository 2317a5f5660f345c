/// One reply from Asterisk to one command.
public enum AGIReply: Sendable, Equatable {
    /// `200 result=<result>[ <rest>]`. `result` stays a string: `GET DATA` digits like `0042` are not numbers.
    case success(result: String, data: String?, endpos: Int?, rest: String)
    /// `510 Invalid or unknown command`.
    case invalidCommand
    /// `511 Command Not Permitted on a dead channel or intercept routine`.
    case deadChannel
    /// `520 ...` single-line, or the multi-line usage text between `520-` and `520 `.
    case usage([String])
    /// Any other status line, kept whole.
    case other(code: Int, line: String)

    /// The numeric result of a `200` reply, if it is one.
    public var resultCode: Int? {
        if case .success(let result, _, _, _) = self { return Int(result) }
        return nil
    }

    public var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

/// An event on the connection, between or instead of replies.
public enum AGIInboundEvent: Sendable, Equatable {
    case reply(AGIReply)
    /// The `HANGUP` line: the caller hung up. It can come before any reply, once.
    case hangup
    /// `100 result=0 Trying...` from `GOSUB`: the real reply follows.
    case progress(String)
}

/// Turns lines from Asterisk into events; holds state only for the multi-line `520` form.
public struct ReplyParser: Sendable {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case usageTooLong(Int)

        public var description: String {
            switch self {
            case .malformed(let line): "unexpected line from Asterisk: \(line.prefix(80).debugDescription)"
            case .usageTooLong(let n): "520 usage text longer than \(n) lines"
            }
        }
    }

    private var usageLines: [String]?
    public static let maxUsageLines = 200

    public init() {}

    /// Feeds one line without its terminator. Returns `nil` while a multi-line reply is incomplete.
    public mutating func feed(_ line: String) throws(ParseError) -> AGIInboundEvent? {
        if var usage = usageLines {
            if line.hasPrefix("520 ") || line == "520" {
                usageLines = nil
                return .reply(.usage(usage))
            }
            usage.append(line)
            guard usage.count <= Self.maxUsageLines else { throw .usageTooLong(Self.maxUsageLines) }
            usageLines = usage
            return nil
        }
        if line == "HANGUP" { return .hangup }
        if line.hasPrefix("520-") {
            usageLines = []
            return nil
        }
        guard line.utf8.count >= 3, let code = Int(line.prefix(3)),
              line.utf8.count == 3 || line.dropFirst(3).first == " " else {
            throw .malformed(line)
        }
        switch code {
        case 200: return .reply(try Self.parseSuccess(line))
        case 100: return .progress(line)
        case 510: return .reply(.invalidCommand)
        case 511: return .reply(.deadChannel)
        case 520: return .reply(.usage([String(line.dropFirst(4))]))
        default: return .reply(.other(code: code, line: line))
        }
    }

    static func parseSuccess(_ line: String) throws(ParseError) -> AGIReply {
        let body = line.dropFirst(4)
        guard body.hasPrefix("result=") else { throw .malformed(line) }
        let afterResult = body.dropFirst(7)
        let result = afterResult.prefix { $0 != " " }
        var rest = afterResult.dropFirst(result.count)
        if rest.first == " " { rest = rest.dropFirst() }
        var data: String?
        var endpos: Int?
        if rest.first == "(", let close = rest.lastIndex(of: ")") {
            // A value may itself hold parentheses: it runs to the last ')'.
            data = String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let range = rest.firstRange(of: "endpos=") {
            endpos = Int(rest[range.upperBound...].prefix { $0.isNumber })
        }
        return .success(result: String(result), data: data, endpos: endpos, rest: String(rest))
    }
}
