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
        var line = line
        // A scan of the bytes: String's index-based APIs validate every index they are given.
        let split = line.withUTF8 { bytes -> (String, String)? in
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon != 0 else { return nil }
            var valueStart = colon + 1
            // Asterisk writes "name: value"; a bare "name:" is taken as empty.
            if valueStart < bytes.count, bytes[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart...]), as: UTF8.self))
        }
        guard let (name, value) = split else { throw .malformedLine(line) }
        environment.append(name: name, value: value)
        return .needMore
    }
}
