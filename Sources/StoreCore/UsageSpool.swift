import Foundation
import Metrics
import Synchronization

/// Where usage-log operations wait when the database cannot take them, so nothing acknowledged is
/// lost: one JSON line each, synced to disk before the call is answered, applied to the usage log
/// (by `UsageOperation.apply`, as the writer does) once the database takes writes again.
///
/// A line cut off by a crash or a full disk does not block the rest: every whole line is replayed,
/// and lines that cannot be read are moved to `<path>.torn` and named in the log. A new line never
/// runs on from a cut-off one: a spool that does not end in a newline gets one first.
public final class UsageSpool: Sendable {
    public let path: String
    /// Where unreadable lines are set aside, for an admin to look at.
    public var tornPath: String { path + ".torn" }

    private struct State {
        var spooled: Bool
        var draining = false
        /// Operations in the spool (counted since start; a spool left by an earlier run counts
        /// from its drain).
        var depth = 0
    }

    private let lock: Mutex<State>

    public init(path: String) {
        self.path = path
        lock = Mutex(State(spooled: FileManager.default.fileExists(atPath: path)))
    }

    /// True while the spool holds operations not yet in the database.
    public var hasEntries: Bool { lock.withLock { $0.spooled } }

    /// `acctcodes_spool_depth`: operations waiting for the database.
    private let depthGauge = Gauge(label: "acctcodes_spool_depth")

    /// Appends one operation and syncs it to disk.
    public func append(_ operation: UsageOperation) throws {
        var line = try Self.encoder.encode(SpoolLine(operation: operation))
        line.append(UInt8(ascii: "\n"))
        try lock.withLock { state in
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            if try Self.endsUnterminated(path) { line.insert(UInt8(ascii: "\n"), at: 0) }
            try line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            state.spooled = true
            state.depth += 1
            depthGauge.record(state.depth)
        }
    }

    /// What one drain did.
    public struct Drained: Sendable, Equatable {
        public var applied = 0
        /// Lines that could not be read, now in `tornPath`.
        public var setAside = 0

        public init(applied: Int = 0, setAside: Int = 0) {
            self.applied = applied
            self.setAside = setAside
        }
    }

    /// Applies every spooled operation, in order, in one transaction, then removes what it read.
    /// On failure the spool stays as it was. One drain at a time: a second caller returns at once.
    @discardableResult
    public func drain(into store: any UsageStore) throws -> Drained {
        let data = try lock.withLock { state -> Data? in
            guard state.spooled, !state.draining else { return nil }
            state.draining = true
            return FileManager.default.fileExists(atPath: path) ? try Data(contentsOf: URL(fileURLWithPath: path)) : Data()
        }
        guard let data else { return Drained() }
        defer { lock.withLock { $0.draining = false } }
        var operations: [UsageOperation] = []
        var torn: [Data] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let operation = Self.decode(Data(line)) { operations.append(operation) } else { torn.append(Data(line)) }
        }
        // Set aside first: if the machine dies between the two steps the line is in both places,
        // which loses nothing (it could not be read anyway).
        if !torn.isEmpty { try appendTorn(torn) }
        if !operations.isEmpty { try store.applyUsage(operations, replaying: true) }
        // Operations spooled during the drain stay for the next one: only what was read is removed.
        try lock.withLock { state in
            let now = try Data(contentsOf: URL(fileURLWithPath: path))
            let rest = now.dropFirst(data.count)
            if rest.allSatisfy({ $0 == UInt8(ascii: "\n") }) {
                try FileManager.default.removeItem(atPath: path)
                state.spooled = false
                state.depth = 0
            } else {
                try Data(rest).write(to: URL(fileURLWithPath: path), options: .atomic)
                state.depth = max(0, state.depth - operations.count - torn.count)
            }
            depthGauge.record(state.depth)
        }
        return Drained(applied: operations.count, setAside: torn.count)
    }

    private func appendTorn(_ lines: [Data]) throws {
        var out = Data()
        for line in lines { out += line + [UInt8(ascii: "\n")] }
        if !FileManager.default.fileExists(atPath: tornPath) {
            guard FileManager.default.createFile(atPath: tornPath, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tornPath])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tornPath))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: out)
        try handle.synchronize()
    }

    // MARK: Format

    /// One line: a format version and the operation. Dates are milliseconds since 1970, as exact
    /// as the usage log keeps them.
    struct SpoolLine: Codable {
        var v = 2
        var operation: UsageOperation
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Reads a line of this version, or an entry spooled by an earlier version (a `UsageEntry`
    /// with ISO 8601 dates): an earlier version's tag and hangup rows are read as the operations
    /// they stood for.
    static func decode(_ line: Data) -> UsageOperation? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        if let current = try? decoder.decode(SpoolLine.self, from: line) { return current.operation }
        decoder.dateDecodingStrategy = .iso8601
        guard let entry = try? decoder.decode(UsageEntry.self, from: line) else { return nil }
        switch entry.route {
        case "hangup": return .hangup(request: entry)
        case "tag": return entry.tagCode.map { .tag(request: entry, code: $0) } ?? .record(entry: entry)
        default: return .record(entry: entry)
        }
    }

    /// True if the file exists, is not empty and its last byte is not a newline.
    static func endsUnterminated(_ path: String) throws -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return false }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, size - 1) == 1 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return last != UInt8(ascii: "\n")
    }
}
