import AccountCodes
internal import GRDB
internal import GRDBSQLite
import StoreCore

/// The reads every call makes (the settings revision, the code lookup, a caller's lock) on a read-only
/// SQLite connection of their own, with the statements prepared once.
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
    private let lockStatement: OpaquePointer

    init(path: String, busyTimeout: Double) throws {
        var handle: OpaquePointer?
        let opened = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard opened == SQLITE_OK, let handle else {
            let error = DatabaseError.sqlite(opened, on: handle)
            sqlite3_close_v2(handle)
            throw error
        }
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
        do {
            revisionStatement = try Self.prepare(handle, AcctcodesStore.settingsRevisionSQL)
            do {
                codeStatement = try Self.prepare(handle, """
                    SELECT active, users, groups, level, valid_from, valid_until FROM code WHERE account_id = ?1 AND code = ?2
                    """)
            } catch {
                sqlite3_finalize(revisionStatement)
                throw error
            }
            do {
                lockStatement = try Self.prepare(handle, """
                    SELECT locked_at, until, strikes, count FROM lockout WHERE account_id = ?1 AND subject = ?2
                    """)
            } catch {
                sqlite3_finalize(revisionStatement)
                sqlite3_finalize(codeStatement)
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
        sqlite3_finalize(lockStatement)
        sqlite3_close_v2(connection)
    }

    /// The number the triggers bump on every settings change (0 before the first).
    func settingsRevision() throws -> Int64 {
        defer { sqlite3_reset(revisionStatement) }
        switch sqlite3_step(revisionStatement) {
        case SQLITE_ROW: return sqlite3_column_int64(revisionStatement, 0)
        case SQLITE_DONE: return 0
        case let code: throw DatabaseError.sqlite(code, on: connection)
        }
    }

    /// The code's facts (active, limits), nil when the account has no such code.
    func codeFacts(account: String, code: String) throws -> CodeFacts? {
        try step(codeStatement, account, code) { statement in
            CodeFacts(active: sqlite3_column_int64(statement, 0) != 0, users: Self.list(statement, 1), groups: Self.list(statement, 2),
                      level: Self.text(statement, 3).flatMap(CallPermission.init(rawValue:)),
                      validFrom: Self.text(statement, 4), validUntil: Self.text(statement, 5))
        }
    }

    /// The subject's lock, current or past; nil when it was never locked (or was unlocked).
    func lock(account: String, subject: String) throws -> LockState? {
        try step(lockStatement, account, subject) { statement in
            LockState(lockedAt: sqlite3_column_double(statement, 0), until: sqlite3_column_double(statement, 1),
                      strikes: Int(sqlite3_column_int64(statement, 2)), count: Int(sqlite3_column_int64(statement, 3)))
        }
    }

    /// Runs a statement with two text arguments; `row` reads the first row, if any.
    private func step<T>(_ statement: OpaquePointer, _ first: String, _ second: String, row: (OpaquePointer) -> T) throws -> T? {
        var first = first, second = second
        // The bound text points into the strings (no copy), so the step runs inside both closures.
        return try first.withUTF8 { first in
            try second.withUTF8 { second in
                defer {
                    sqlite3_reset(statement)
                    sqlite3_clear_bindings(statement)
                }
                sqlite3_bind_text(statement, 1, first.baseAddress, Int32(first.count), nil)
                sqlite3_bind_text(statement, 2, second.baseAddress, Int32(second.count), nil)
                switch sqlite3_step(statement) {
                case SQLITE_ROW: return row(statement)
                case SQLITE_DONE: return nil
                case let result: throw DatabaseError.sqlite(result, on: connection)
                }
            }
        }
    }

    private static func text(_ statement: OpaquePointer, _ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: bytes)
    }

    /// A comma list column ('' for none), read as the store reads it.
    private static func list(_ statement: OpaquePointer, _ column: Int32) -> [String] {
        text(statement, column).map(AcctcodesStore.list) ?? []
    }

    private static func prepare(_ connection: OpaquePointer, _ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw DatabaseError.sqlite(result, on: connection) }
        return statement
    }
}

extension DatabaseError {
    /// A failure of SQLite's own calls (`CallReader`, `RawBinding`) as GRDB's error type, so
    /// `StoreError.wrap` maps it exactly as it maps GRDB's own.
    static func sqlite(_ code: Int32, on connection: OpaquePointer?) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}
