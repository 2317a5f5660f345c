import AccountCodes
import Foundation
import GRDB
import Synchronization

/// The SQLite store shared by the server and the CLI. WAL mode lets one writer and many readers
/// work at once across processes; every change runs in one transaction, checked by the rules.
public final class AcctcodesStore: Sendable {
    public let path: String
    let pool: DatabasePool
    let settingsCache = SettingsCache()
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
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Migrations.migrator.migrate(pool)
        } catch {
            let reason = (error as? DatabaseError).map { "\($0.message ?? "\($0.resultCode)")" } ?? "\(error)"
            throw .cannotOpen(path: path, reason: reason)
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

    func write<T>(_ body: (GRDB.Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError.wrap(error) }
    }

    func asyncRead<T: Sendable>(_ body: @Sendable @escaping (GRDB.Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    func asyncWrite<T: Sendable>(_ body: @Sendable @escaping (GRDB.Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw StoreError.wrap(error) }
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
