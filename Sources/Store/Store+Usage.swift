import AccountCodes
import Foundation
internal import GRDB
import StoreCore

extension AcctcodesStore {
    public func usage(_ filter: UsageFilter) throws(StoreError) -> [UsageEntry] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            return try Row.fetchAll(db, sql: "SELECT \(Self.usageColumns) FROM usage u \(whereSQL) ORDER BY u.started_at, u.id", arguments: arguments)
                .map(Self.decodeUsage)
        }
    }

    /// Entries after `afterID` in id (arrival) order, at most `limit`: the API's pages and every
    /// CSV export read the log this way, a page at a time, so memory stays flat however long it is.
    public func usagePage(_ filter: UsageFilter, afterID: Int64?, limit: Int) throws(StoreError) -> [UsageEntry] {
        try read { db in try Self.fetchUsagePage(db, filter, afterID: afterID, limit: limit) }
    }

    /// Entries before `beforeID`, newest first, at most `limit`: the console's list of calls.
    public func usagePageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) throws(StoreError) -> [UsageEntry] {
        try read { db in try Self.fetchUsagePage(db, filter, afterID: beforeID, limit: limit, newestFirst: true) }
    }

    /// Which of `codes` are in the account's code list.
    public func listedCodes(account: String, among codes: Set<String>) throws(StoreError) -> Set<String> {
        guard !codes.isEmpty else { return [] }
        return try read { db in
            let marks = Array(repeating: "?", count: codes.count).joined(separator: ",")
            return Set(try String.fetchAll(db, sql: "SELECT code FROM code WHERE account_id = ? AND code IN (\(marks))",
                                           arguments: StatementArguments([account] + Array(codes))))
        }
    }


    /// A page of CSV read and formatted on the database's reader queue: an export of a million
    /// rows keeps its formatting off the event loops that answer calls.
    public func usageCSVPage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> CSVPage {
        try await asyncRead { db in try Self.csvPage(db, filter, afterID: afterID, limit: limit) }
    }

    /// The same page on the calling thread: for a caller that runs exports on a thread of its own.
    public func usageCSVPageHere(_ filter: UsageFilter, afterID: Int64?, limit: Int) throws(StoreError) -> CSVPage {
        try read { db in try Self.csvPage(db, filter, afterID: afterID, limit: limit) }
    }

    private static func csvPage(_ db: GRDB.Database, _ filter: UsageFilter, afterID: Int64?, limit: Int) throws -> CSVPage {
        let page = try fetchUsagePage(db, filter, afterID: afterID, limit: limit)
        return CSVPage(text: UsageCSV.lines(page), lastID: page.last?.id, count: page.count)
    }

    /// `afterID` is the cursor: entries after it in id order, or before it when `newestFirst`.
    static func fetchUsagePage(_ db: GRDB.Database, _ filter: UsageFilter, afterID: Int64?, limit: Int,
                               newestFirst: Bool = false) throws -> [UsageEntry] {
        var (whereSQL, arguments) = whereClause(filter)
        // Walk the table in id order from the cursor: through the account's date index, SQLite
        // sorted every row of the account for each page (a million-row export was quadratic).
        whereSQL = whereSQL.replacingOccurrences(of: "WHERE u.account_id = ?", with: "WHERE +u.account_id = ?")
        if let afterID { whereSQL += newestFirst ? " AND u.id < ?" : " AND u.id > ?"; arguments += [afterID] }
        arguments += [limit]
        return try Row.fetchAll(db, sql: "SELECT \(Self.usageColumns) FROM usage u \(whereSQL) ORDER BY u.id\(newestFirst ? " DESC" : "") LIMIT ?",
                                arguments: arguments)
            .map(decodeUsage)
    }

    /// Calls and billable time per billing code (entries with no code are left out).
    public func usageTotals(_ filter: UsageFilter) throws(StoreError) -> [CodeTotal] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.billingCodeSQL) AS billing_code, COALESCE(c.description, '') AS description, c.code IS NOT NULL AS listed,
                       COUNT(*) AS calls, COALESCE(SUM(\(Self.boundedBillsec)), 0) AS billsec,
                       COALESCE(SUM((\(Self.boundedBillsec) + 59) / 60), 0) AS minutes
                FROM usage u LEFT JOIN code c ON c.account_id = u.account_id AND c.code = \(Self.billingCodeSQL)
                \(whereSQL) AND \(Self.billingCodeSQL) IS NOT NULL
                GROUP BY billing_code ORDER BY billing_code
                """, arguments: arguments)
            return rows.map {
                CodeTotal(code: $0["billing_code"], description: $0["description"], calls: $0["calls"], billsec: $0["billsec"],
                          billableMinutes: $0["minutes"], listed: $0["listed"])
            }
        }
    }

    /// Sets or removes an entry's correction (`UsageStore.correctUsage`), with its audit record.
    public func correctUsage(account: String, id: Int64, correction: UsageCorrection?, audit: AuditRecord?) throws(StoreError) -> UsageEntry {
        try write(audit: audit) { db in
            try db.execute(sql: """
                UPDATE usage SET corrected_code = ?, correction_reason = ?, corrected_by = ?, corrected_at = ? WHERE id = ? AND account_id = ?
                """, arguments: [correction?.code, correction?.reason, correction?.by, correction.map { StorageDate.string($0.at) }, id, account])
            guard db.changesCount == 1,
                  let row = try Row.fetchOne(db, sql: "SELECT \(Self.usageColumns) FROM usage u WHERE u.id = ?", arguments: [id]) else {
                throw StoreError.notFound("usage entry \(id)")
            }
            return Self.decodeUsage(row)
        }
    }

    /// Calls per billing code and billable seconds, with the code's facts (`UsageStore.usageDurations`).
    public func usageDurations(_ filter: UsageFilter) throws(StoreError) -> [CodeDurations] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.billingCodeSQL) AS billing_code, \(Self.boundedBillsec) AS seconds, COUNT(*) AS calls,
                       MAX(COALESCE(c.description, '')) AS description, MAX(c.code IS NOT NULL) AS listed, MAX(c.billing) AS terms
                FROM usage u LEFT JOIN code c ON c.account_id = u.account_id AND c.code = \(Self.billingCodeSQL)
                \(whereSQL) AND \(Self.billingCodeSQL) IS NOT NULL
                GROUP BY billing_code, seconds
                """, arguments: arguments)
            return CodeDurations.folded(rows.lazy.map { row -> CodeDurations.Row in
                let code: String = row["billing_code"], seconds: Int = row["seconds"], calls: Int = row["calls"]
                let description: String = row["description"], listed: Bool = row["listed"], terms: String? = row["terms"]
                return (code, seconds, calls, description, listed, terms)
            })
        }
    }

    /// Calls and billable minutes per UTC day of the filter's period, for the console's chart.
    public func usageDaily(_ filter: UsageFilter) throws(StoreError) -> [DayTotal] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            return try Row.fetchAll(db, sql: """
                SELECT substr(u.started_at, 1, 10) AS day, COUNT(*) AS calls,
                       COALESCE(SUM((\(Self.boundedBillsec) + 59) / 60), 0) AS minutes
                FROM usage u \(whereSQL) GROUP BY day ORDER BY day
                """, arguments: arguments).map { DayTotal(day: $0["day"], calls: $0["calls"], billableMinutes: $0["minutes"]) }
        }
    }

    /// A row's billable seconds as totals count them: 0 to a week. Rows are bounded when written
    /// (and the v4 migration bounded older ones); this keeps a hand-edited row from overflowing a sum.
    static let boundedBillsec = "MIN(MAX(COALESCE(u.billsec, 0), 0), \(CallEnd.longestCall))"

    /// The code an entry bills to (`UsageEntry.billingCode`): the correction's, the tag's, the code keyed.
    static let billingCodeSQL = "COALESCE(u.corrected_code, u.tag_code, u.code)"

    static func whereClause(_ filter: UsageFilter) -> (String, StatementArguments) {
        var clauses = ["u.account_id = ?"]
        var arguments: StatementArguments = [filter.accountID]
        if let from = filter.from { clauses.append("u.started_at >= ?"); arguments += [from] }
        if let to = filter.to { clauses.append("u.started_at < ?"); arguments += [to] }
        if let user = filter.user { clauses.append("u.user = ?"); arguments += [user] }
        if let code = filter.code { clauses.append("\(billingCodeSQL) = ?"); arguments += [code] }
        return ("WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// The usage table's columns, in the order queries select them: `decodeUsage` reads a row by
    /// position (`rawValue`), because GRDB's lookup by name lowercases and compares names, which was
    /// 40 % of a CSV export's CPU. Case names are the column names, so the list is written once.
    enum UsageColumn: Int, CaseIterable {
        case id, started_at, route, account_id, user, caller_id, dialed, `class`, asked, incorrect_entries, result, reason,
             code, uniqueid, linkedid, channel, tag_code, tagged_at, ended_at, disposition, duration, billsec, pbx, request,
             corrected_code, correction_reason, corrected_by, corrected_at, transfer_to, transferred_at
    }

    static let usageColumns = UsageColumn.allCases.map { "u.\($0)" }.joined(separator: ", ")

    static func decodeUsage(_ row: Row) -> UsageEntry {
        func at(_ column: UsageColumn) -> Int { column.rawValue }
        var e = UsageEntry(startedAt: row[at(.started_at)], route: row[at(.route)], accountID: row[at(.account_id)], user: row[at(.user)],
                           callerID: row[at(.caller_id)], dialed: row[at(.dialed)], callClass: row[at(.class)], asked: row[at(.asked)],
                           incorrectEntries: row[at(.incorrect_entries)], result: row[at(.result)], reason: row[at(.reason)],
                           code: row[at(.code)], uniqueID: row[at(.uniqueid)], linkedID: row[at(.linkedid)], channel: row[at(.channel)])
        e.id = row[at(.id)]
        e.tagCode = row[at(.tag_code)]
        e.taggedAt = row[at(.tagged_at)]
        e.endedAt = row[at(.ended_at)]
        e.disposition = row[at(.disposition)]
        e.duration = row[at(.duration)]
        e.billsec = row[at(.billsec)]
        let pbx: String = row[at(.pbx)], request: String = row[at(.request)]
        e.pbx = pbx.isEmpty ? nil : pbx
        e.request = request.isEmpty ? nil : request
        e.transferTo = row[at(.transfer_to)]
        e.transferredAt = row[at(.transferred_at)]
        if let code: String = row[at(.corrected_code)] {
            e.correction = UsageCorrection(code: code, reason: row[at(.correction_reason)] ?? "", by: row[at(.corrected_by)] ?? "",
                                           at: row[at(.corrected_at)] ?? Date(timeIntervalSince1970: 0))
        }
        return e
    }
}
