import Foundation
import Synchronization

/// Where usage entries go when the database refuses them, so a request is never lost: one JSON
/// line each, flushed to disk before the call is answered, and moved into the usage log as soon
/// as the database takes writes again.
public final class UsageSpool: Sendable {
    public let path: String
    private struct State {
        var spooled: Bool
        var replaying = false
    }

    private let lock: Mutex<State>

    public init(path: String) {
        self.path = path
        lock = Mutex(State(spooled: FileManager.default.fileExists(atPath: path)))
    }

    /// True while the spool holds entries not yet in the database.
    public var hasEntries: Bool { lock.withLock { $0.spooled } }

    /// Appends one entry and syncs it to disk.
    public func append(_ entry: UsageEntry) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        try lock.withLock { state in
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
            state.spooled = true
        }
    }

    /// Moves every spooled entry into the usage log in one transaction, then empties the spool.
    /// Returns how many entries moved; on failure the spool stays as it was.
    @discardableResult
    public func replay(into store: AcctcodesStore) async throws -> Int {
        // One replay at a time, or two calls finding the spool at once would insert it twice.
        let data = try lock.withLock { state -> Data? in
            guard state.spooled, !state.replaying else { return nil }
            state.replaying = true
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        guard let data else { return 0 }
        defer { lock.withLock { $0.replaying = false } }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let entries = try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(UsageEntry.self, from: Data($0)) }
        try await store.appendUsage(entries)
        // Entries spooled while the replay ran stay for the next one: only what was read is removed.
        try lock.withLock { state in
            let now = try Data(contentsOf: URL(fileURLWithPath: path))
            let rest = now.dropFirst(data.count)
            if rest.isEmpty {
                try FileManager.default.removeItem(atPath: path)
                state.spooled = false
            } else {
                try Data(rest).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
        return entries.count
    }
}
