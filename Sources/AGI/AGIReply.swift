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
    /// Works on the UTF-8 bytes: this runs once per command, on every call.
    public mutating func feed(_ line: String) throws(ParseError) -> AGIInboundEvent? {
        let bytes = line.utf8
        if var usage = usageLines {
            if bytes.starts(with: "520 ".utf8) || line == "520" {
                usageLines = nil
                return .reply(.usage(usage))
            }
            usage.append(line)
            guard usage.count <= Self.maxUsageLines else { throw .usageTooLong(Self.maxUsageLines) }
            usageLines = usage
            return nil
        }
        if line == "HANGUP" { return .hangup }
        if bytes.starts(with: "520-".utf8) {
            usageLines = []
            return nil
        }
        guard let code = Self.statusCode(bytes) else { throw .malformed(line) }
        switch code {
        case 200: return .reply(try Self.parseSuccess(line))
        case 100: return .progress(line)
        case 510: return .reply(.invalidCommand)
        case 511: return .reply(.deadChannel)
        case 520: return .reply(.usage([String(line.dropFirst(4))]))
        default: return .reply(.other(code: code, line: line))
        }
    }

    /// Three digits, then a space or the end of the line.
    static func statusCode(_ bytes: String.UTF8View) -> Int? {
        var iterator = bytes.makeIterator()
        var code = 0
        for _ in 0..<3 {
            guard let byte = iterator.next(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        let next = iterator.next()
        return next == nil || next == UInt8(ascii: " ") ? code : nil
    }

    /// What follows the first `key` in `bytes` (a plain byte search: the generic string search
    /// showed in the per-reply profile).
    static func value(after key: String.UTF8View, in bytes: Substring.UTF8View) -> Substring.UTF8View? {
        var start = bytes.startIndex
        while let first = bytes[start...].firstIndex(of: key.first!) {
            if bytes[first...].starts(with: key) { return bytes[bytes.index(first, offsetBy: key.count)...] }
            start = bytes.index(after: first)
        }
        return nil
    }

    static func parseSuccess(_ line: String) throws(ParseError) -> AGIReply {
        let prefix = "200 result=".utf8
        let bytes = line.utf8
        guard bytes.starts(with: prefix) else { throw .malformed(line) }
        let resultStart = bytes.index(bytes.startIndex, offsetBy: prefix.count)
        let resultEnd = bytes[resultStart...].firstIndex(of: UInt8(ascii: " ")) ?? bytes.endIndex
        let result = String(line[resultStart..<resultEnd])
        guard resultEnd != bytes.endIndex else { return .success(result: result, data: nil, endpos: nil, rest: "") }
        let restStart = bytes.index(after: resultEnd)
        let rest = line[restStart...]
        var data: String?
        if rest.utf8.first == UInt8(ascii: "("), let close = rest.utf8.lastIndex(of: UInt8(ascii: ")")) {
            // A value may itself hold parentheses: it runs to the last ')'.
            data = String(line[bytes.index(after: restStart)..<close])
        }
        var endpos: Int?
        if let digits = Self.value(after: "endpos=".utf8, in: rest.utf8) {
            endpos = Int(Substring(digits.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }))
        }
        return .success(result: result, data: data, endpos: endpos, rest: String(rest))
    }
}
