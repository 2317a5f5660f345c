internal import GRDB
internal import GRDBSQLite

/// Runs a prepared statement of GRDB's cache with SQLite's own binding calls: for the usage log's
/// insert, the one write every call makes. GRDB's `StatementArguments` box each of its 29 values
/// into an existential, then into a `DatabaseValue`, before binding it: measured at about a third
/// of an entry's cost in `acctcodes-bench usage-insert` (BENCHMARKS.md, "Reads a call no longer makes, and the usage log's insert").
/// The statement stays GRDB's (prepared once, finalized with its connection); it runs in GRDB's
/// transaction, on GRDB's writer queue.
struct RawBinding {
    private let statement: OpaquePointer
    private let connection: OpaquePointer?
    private var index: Int32 = 0

    /// SQLite copies the bytes before the call returns: the Swift string may go at once.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement, in db: GRDB.Database) {
        self.statement = statement.sqliteStatement
        self.connection = db.sqliteConnection
        // A statement GRDB ran last left its bindings; each run starts from none.
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    mutating func bind(_ text: String?) {
        index += 1
        guard var text else { sqlite3_bind_null(statement, index); return }
        text.withUTF8 { bytes in
            if let base = bytes.baseAddress {
                _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                                      Self.transient)
            } else {
                // An empty buffer may have no address, and a null one binds NULL, not ''.
                _ = sqlite3_bind_text(statement, index, "", 0, Self.transient)
            }
        }
    }

    mutating func bind(_ number: Int?) {
        index += 1
        guard let number else { sqlite3_bind_null(statement, index); return }
        sqlite3_bind_int64(statement, index, Int64(number))
    }

    /// Runs the statement to its end, then lets go of the bound copies.
    func execute() throws {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw DatabaseError.sqlite(code, on: connection) }
    }
}
