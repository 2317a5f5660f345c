import PostgresNIO

/// The call path's statements, prepared once per connection: parsed and planned by PostgreSQL
/// once instead of on every call.
enum HotStatements {
    /// The locks of several callers at once (see `LockReads`).
    struct Locks: PostgresPreparedStatement {
        static let sql = """
            SELECT l.account_id, l.subject, l.locked_at, l.until, l.strikes, l.count
            FROM lockout l JOIN unnest($1::text[], $2::text[]) AS k(account_id, subject)
                ON l.account_id = k.account_id AND l.subject = k.subject
            """
        typealias Row = (String, String, Double, Double, Int, Int)

        struct Key: Hashable, Sendable {
            var account: String
            var subject: String
        }

        var keys: [Key]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(keys.map(\.account))
            bindings.append(keys.map(\.subject))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A batch of calls' entries, as JSON rows (see `PostgresStore.insertAll`).
    struct InsertEntries: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO usage (started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason,
                               code, tag_code, tagged_ms, uniqueid, linkedid, channel, ended_ms, disposition, duration, billsec, pbx, request,
                               corrected_code, correction_reason, corrected_by, corrected_ms, transfer_to, transferred_ms)
            SELECT started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason,
                   code, tag_code, tagged_ms, uniqueid, linkedid, channel, ended_ms, disposition, duration, billsec, pbx, request,
                   corrected_code, correction_reason, corrected_by, corrected_ms, transfer_to, transferred_ms
            FROM jsonb_to_recordset($1::jsonb) AS x(
                started_ms bigint, route text, account_id text, "user" text, caller_id text, dialed text, class text, asked text,
                incorrect_entries integer, result text, reason text, code text, tag_code text, tagged_ms bigint, uniqueid text,
                linkedid text, channel text, ended_ms bigint, disposition text, duration integer, billsec integer, pbx text, request text,
                corrected_code text, correction_reason text, corrected_by text, corrected_ms bigint, transfer_to text,
                transferred_ms bigint)
            ON CONFLICT (account_id, pbx, uniqueid, route, request) DO NOTHING
            RETURNING account_id, pbx, uniqueid, route, request
            """
        typealias Row = (String, String, String, String, String)

        var json: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(json)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
