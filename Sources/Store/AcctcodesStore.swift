import AccountCodes
import Foundation
internal import GRDB
import StoreCore
import Synchronization

/// The SQLite store shared by the server and the CLI. WAL mode lets one writer and many readers
/// work at once across processes; every change runs in one transaction, checked by the rules.
public final class AcctcodesStore: Sendable {
    public let path: String
    /// Reads, and writes when it was opened writable.
    let pool: DatabasePool
    /// The pool that writes: `pool` itself, or, when another process held the write lock at
    /// start (GRDB's writable open may need to write, to set up the WAL file), one opened at the
    /// first write after it let go.
    private let writable: Mutex<DatabasePool?>
    private let configuration: Configuration
    let settingsCache = SettingsCache()
    let revisionWatch = RevisionWatch()

    /// How soon a settings or lock change made by another process (or another store on the same
    /// file) reaches this store's calls at the latest; this store's own changes reach its next call.
    public static let othersChangesSeenWithin = Duration.nanoseconds(Int64(RevisionWatch.freshness))
    let threadReaders: ThreadReaders

    public struct Options: Sendable {
        /// How long to wait for another process's write lock before failing with `.locked`.
        public var busyTimeout: Double = 5
        /// `FULL` fsyncs every commit (survives power loss); `NORMAL` survives a killed process.
        public var fsyncEveryCommit: Bool = false
        public init() {}
    }

    public init(path: String, options: Options = Options()) throws(StoreError) {
        self.path = path
        threadReaders = ThreadReaders(path: path, busyTimeout: options.busyTimeout)
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.foreignKeysEnabled = true
        let synchronous = options.fsyncEveryCommit ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        self.configuration = configuration
        do {
            do {
                pool = try DatabasePool(path: path, configuration: configuration)
                writable = Mutex(pool)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && FileManager.default.fileExists(atPath: path) {
                // Another process holds the write lock: open for reading, write once it lets go.
                var readOnly = configuration
                readOnly.readonly = true
                pool = try DatabasePool(path: path, configuration: readOnly)
                writable = Mutex(nil)
            }
            // A read first: a database already at this version opens even while another process
            // holds its write lock (the server then spools usage until it can write).
            if try !pool.read({ try Migrations.migrator.hasCompletedMigrations($0) }) {
                try Migrations.migrator.migrate(try writer())
            }
        } catch {
            let reason = (error as? DatabaseError).map { "\($0.message ?? "\($0.resultCode)")" } ?? "\(error)"
            throw .cannotOpen(path: path, reason: reason)
        }
    }

    /// The pool that writes (see `writable`).
    func writer() throws -> DatabasePool {
        try writable.withLock { writer in
            if let writer { return writer }
            let opened = try DatabasePool(path: path, configuration: configuration)
            writer = opened
            return opened
        }
    }

    /// The schema version applied, for `acctcodes` diagnostics.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Migrations.migrator.appliedIdentifiers(db).sorted() }
    }

    // MARK: Transactions with error mapping

    func read<T>(_ body: (GRDB.Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    /// One write transaction; `audit`, when given, is written in it, so a change and its audit
    /// record land together or not at all.
    /// Every write but the usage log's makes the next call read the settings revision again.
    func write<T>(audit: AuditRecord? = nil, changesSettings: Bool = true, _ body: (GRDB.Database) throws -> T) throws(StoreError) -> T {
        defer { if changesSettings { revisionWatch.forget() } }
        do {
            return try writer().write { db in
                let result = try body(db)
                if let audit { try Self.insertAudit(db, audit) }
                return result
            }
        } catch { throw StoreError.wrap(error) }
    }

    func asyncRead<T: Sendable>(_ body: @Sendable @escaping (GRDB.Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    func asyncWrite<T: Sendable>(_ body: @Sendable @escaping (GRDB.Database) throws -> T) async throws(StoreError) -> T {
        defer { revisionWatch.forget() }
        do { return try await writer().write(body) } catch { throw StoreError.wrap(error) }
    }
}

// MARK: - JSON columns

/// Settings columns hold JSON. Decoding it is most of the cost of reading a call's setup, and the
/// text rarely changes, so decoded values are kept by their exact text: a changed row decodes anew.
enum JSONColumn {
    private static let cache = Mutex<[String: any Sendable]>([:])
    private static let cacheLimit = 4096

    static func decodeCached<T: Decodable & Sendable>(_ type: T.Type, _ text: String) throws -> T {
        if let hit = cache.withLock({ $0[text] }) as? T { return hit }
        let value = try decode(type, text)
        cache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[text] = value
        }
        return value
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

// MARK: - The ports

/// SQLite is one backend of the store's ports (see `StoreCore`).
extension AcctcodesStore: CallStore, UsageStore {}
