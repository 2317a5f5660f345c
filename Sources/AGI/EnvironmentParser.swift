/// Collects the environment block line by line, with limits, until the empty line.
public struct EnvironmentParser: Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxLines: Int
        public var maxBytes: Int
        public init(maxLines: Int = 256, maxBytes: Int = 64 * 1024) {
            self.maxLines = maxLines
            self.maxBytes = maxBytes
        }
    }

    public enum Outcome: Sendable, Equatable {
        case needMore
        case complete(AGIEnvironment)
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformedLine(String)
        case tooManyLines(Int)
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .malformedLine(let line): "malformed environment line (no 'name: value'): \(line.prefix(80).debugDescription)"
            case .tooManyLines(let limit): "environment has more than \(limit) lines"
            case .tooLarge(let limit): "environment is larger than \(limit) bytes"
            }
        }
    }

    public let limits: Limits
    private var environment = AGIEnvironment()
    private var lines = 0
    private var bytes = 0
    private var done = false

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Feeds one line without its terminator (`\n` or `\r\n` already removed).
    public mutating func feed(_ line: String) throws(ParseError) -> Outcome {
        precondition(!done, "environment already complete")
        if line.isEmpty {
            done = true
            return .complete(environment)
        }
        lines += 1
        bytes += line.utf8.count + 1
        guard lines <= limits.maxLines else { throw .tooManyLines(limits.maxLines) }
        guard bytes <= limits.maxBytes else { throw .tooLarge(limits.maxBytes) }
        let utf8 = line.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), colon != utf8.startIndex else {
            throw .malformedLine(line)
        }
        var valueStart = utf8.index(after: colon)
        // Asterisk writes "name: value"; a bare "name:" is taken as empty.
        if valueStart != utf8.endIndex, utf8[valueStart] == UInt8(ascii: " ") { valueStart = utf8.index(after: valueStart) }
        environment.append(name: String(line[..<colon]), value: String(line[valueStart...]))
        return .needMore
    }
}
