import Foundation
import GRDB

extension AcctcodesStore {
    /// Appends entries in one transaction (the usage-log writer batches concurrent calls into one).
    public func appendUsage(_ entries: [UsageEntry]) async throws(StoreError) {
        try await asyncWrite { db in
            for entry in entries { try Self.insertUsage(db, entry) }
        }
    }

    /// The same, on the calling thread: for the usage-log writer's own queue.
    public func commitUsage(_ entries: [UsageEntry]) throws(StoreError) {
        try write { db in
            for entry in entries { try Self.insertUsage(db, entry) }
        }
    }

    static func insertUsage(_ db: GRDB.Database, _ e: UsageEntry) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, incorrect_entries,
                result, reason, code, tag_code, tagged_at, uniqueid, linkedid, channel, ended_at, disposition, duration, billsec)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            StorageDate.string(e.startedAt), e.route, e.accountID, e.user, e.callerID, e.dialed, e.callClass, e.asked,
            e.incorrectEntries, e.result, e.reason, e.code, e.tagCode, e.taggedAt.map(StorageDate.string), e.uniqueID, e.linkedID,
            e.channel, e.endedAt.map(StorageDate.string), e.disposition, e.duration, e.billsec,
        ])
    }

    /// The call's entry is its latest `outbound` or `tag` row; `tag-attempt` and `hangup` rows are requests only.

    /// Records a mid-call code on the call's entry; with none, the tag entry itself becomes the call's entry.
    /// Returns true when an existing entry was tagged.
    @discardableResult
    public func recordTag(_ entry: UsageEntry, code: String) async throws(StoreError) -> Bool {
        try await asyncWrite { db in
            try db.execute(sql: """
                UPDATE usage SET tag_code = ?, tagged_at = ?
                WHERE id = (SELECT MAX(id) FROM usage WHERE uniqueid = ? AND account_id = ? AND route IN ('outbound', 'tag'))
                """, arguments: [code, entry.startedAt, entry.uniqueID, entry.accountID])
            if db.changesCount > 0 { return true }
            var own = entry
            own.tagCode = code
            own.taggedAt = entry.startedAt
            try Self.insertUsage(db, own)
            return false
        }
    }

    /// Adds the end of the call to its latest entry; with none, records the hangup as an entry of its own.
    @discardableResult
    public func recordHangup(_ entry: UsageEntry, endedAt: Date, disposition: String, duration: Int?, billsec: Int?)
        async throws(StoreError) -> Bool
    {
        try await asyncWrite { db in
            try db.execute(sql: """
                UPDATE usage SET ended_at = ?, disposition = ?, duration = ?, billsec = ?
                WHERE id = (SELECT MAX(id) FROM usage WHERE uniqueid = ? AND account_id = ? AND route IN ('outbound', 'tag'))
                """, arguments: [endedAt, disposition, duration, billsec, entry.uniqueID, entry.accountID])
            if db.changesCount > 0 { return true }
            var own = entry
            own.endedAt = endedAt
            own.disposition = disposition
            own.duration = duration
            own.billsec = billsec
            try Self.insertUsage(db, own)
            return false
        }
    }

    public func usage(_ filter: UsageFilter) throws(StoreError) -> [UsageEntry] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
            return try Row.fetchAll(db, sql: "SELECT * FROM usage u \(whereSQL) ORDER BY u.started_at, u.id\(limit)", arguments: arguments)
                .map(Self.decodeUsage)
        }
    }

    /// Calls and billable time per billing code (entries with no code are left out).
    public func usageTotals(_ filter: UsageFilter) throws(StoreError) -> [CodeTotal] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            let rows = try Row.fetchAll(db, sql: """
                SELECT COALESCE(u.tag_code, u.code) AS billing, COALESCE(c.description, '') AS description,
                       COUNT(*) AS calls, COALESCE(SUM(u.billsec), 0) AS billsec,
                       COALESCE(SUM((COALESCE(u.billsec, 0) + 59) / 60), 0) AS minutes
                FROM usage u LEFT JOIN code c ON c.account_id = u.account_id AND c.code = COALESCE(u.tag_code, u.code)
                \(whereSQL.replacingOccurrences(of: "WHERE ", with: "WHERE COALESCE(u.tag_code, u.code) IS NOT NULL AND "))
                GROUP BY billing ORDER BY billing
                """, arguments: arguments)
            return rows.map {
                CodeTotal(code: $0["billing"], description: $0["description"], calls: $0["calls"], billsec: $0["billsec"],
                          billableMinutes: $0["minutes"])
            }
        }
    }

    static func whereClause(_ filter: UsageFilter) -> (String, StatementArguments) {
        var clauses = ["u.account_id = ?"]
        var arguments: StatementArguments = [filter.accountID]
        if let from = filter.from { clauses.append("u.started_at >= ?"); arguments += [from] }
        if let to = filter.to { clauses.append("u.started_at < ?"); arguments += [to] }
        if let user = filter.user { clauses.append("u.user = ?"); arguments += [user] }
        if let code = filter.code { clauses.append("COALESCE(u.tag_code, u.code) = ?"); arguments += [code] }
        return ("WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    static func decodeUsage(_ row: Row) -> UsageEntry {
        var e = UsageEntry(startedAt: row["started_at"], route: row["route"], accountID: row["account_id"], user: row["user"],
                           callerID: row["caller_id"], dialed: row["dialed"], callClass: row["class"], asked: row["asked"],
                           incorrectEntries: row["incorrect_entries"], result: row["result"], reason: row["reason"],
                           code: row["code"], uniqueID: row["uniqueid"], linkedID: row["linkedid"], channel: row["channel"])
        e.id = row["id"]
        e.tagCode = row["tag_code"]
        e.taggedAt = row["tagged_at"]
        e.endedAt = row["ended_at"]
        e.disposition = row["disposition"]
        e.duration = row["duration"]
        e.billsec = row["billsec"]
        return e
    }
}
