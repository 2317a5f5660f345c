/// A value from a peer (a uniqueid, a script, a caller ID), made safe to put in a log line: control
/// characters (CR, LF, ESC and the rest) and quotes are escaped and the length is bounded, so a
/// peer can neither forge a log line nor colour a terminal.
public struct LogSafe: CustomStringConvertible, Sendable {
    public let value: String
    public static let maxLength = 200

    public init(_ value: String) { self.value = value }

    public var description: String {
        var out = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == Self.maxLength {
                out += "..."
                break
            }
            count += 1
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .format:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
