import GRDB
import GRDBSQLite

/// The two reads every call makes (the settings revision and the code lookup) on a read-only
/// SQLite connection of their own, with both statements prepared once.
///
/// Plain SQLite calls rather than GRDB: GRDB runs each read through a dispatch queue's `sync`
/// and boxes every argument, which cost more than the indexed lookup itself (see BENCHMARKS.md).
/// GRDB still owns everything else, migrations and writes included.
///
/// Not thread-safe: `ThreadReaders` gives each thread its own.
final class CallReader: @unchecked Sendable {
    private let connection: OpaquePointer
    private let revisionStatement: OpaquePointer
    private let codeStatement: OpaquePointer

    init(path: String, busyTimeout: Double) throws {
        var handle: OpaquePointer?
        let opened = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard opened == SQLITE_OK, let handle else {
            let error = Self.error(opened, handle)
            sqlite3_close_v2(handle)
            throw error
        }
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
        do {
            revisionStatement = try Self.prepare(handle, "SELECT revision FROM settings_revision WHERE id = 1")
            do {
                codeStatement = try Self.prepare(handle, "SELECT active FROM code WHERE account_id = ?1 AND code = ?2")
            } catch {
                sqlite3_finalize(revisionStatement)
                throw error
            }
        } catch {
            sqlite3_close_v2(handle)
            throw error
        }
        connection = handle
    }

    deinit {
        sqlite3_finalize(revisionStatement)
        sqlite3_finalize(codeStatement)
        sqlite3_close_v2(connection)
    }

    /// The number the triggers bump on every settings change (0 before the first).
    func settingsRevision() throws -> Int64 {
        defer { sqlite3_reset(revisionStatement) }
        switch sqlite3_step(revisionStatement) {
        case SQLITE_ROW: return sqlite3_column_int64(revisionStatement, 0)
        case SQLITE_DONE: return 0
        case let code: throw Self.error(code, connection)
        }
    }

    /// Whether the code exists and is active in the account.
    func isActiveCode(account: String, code: String) throws -> Bool {
        var account = account, code = code
        // The bound text points into the strings (no copy), so the step runs inside both closures.
        return try account.withUTF8 { account in
            try code.withUTF8 { code in
                let statement = codeStatement
                defer {
                    sqlite3_reset(statement)
                    sqlite3_clear_bindings(statement)
                }
                sqlite3_bind_text(statement, 1, account.baseAddress, Int32(account.count), nil)
                sqlite3_bind_text(statement, 2, code.baseAddress, Int32(code.count), nil)
                switch sqlite3_step(statement) {
                case SQLITE_ROW: return sqlite3_column_int64(statement, 0) != 0
                case SQLITE_DONE: return false
                case let result: throw Self.error(result, connection)
                }
            }
        }
    }

    private static func prepare(_ connection: OpaquePointer, _ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw error(result, connection) }
        return statement
    }

    /// GRDB's error type, so `StoreError.wrap` maps these exactly as it maps GRDB's own.
    private static func error(_ code: Int32, _ connection: OpaquePointer?) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}
