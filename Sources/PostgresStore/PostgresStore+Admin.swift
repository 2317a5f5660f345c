import AccountCodes
import Foundation
import MemoryStore
import PostgresNIO
import StoreCore

/// The admin port. A change runs in one transaction under a lock on its account: the account's
/// rows are read into a memory store, the change runs there (the same rules, imports and audit
/// records as every other store), and what it changed is written back, its revision bumped and
/// every server notified. Reads that could be large (codes, the usage log) are SQL of their own.
extension PostgresStore: AdminStore {
    func change<T: Sendable>(account: String, codes: Rows.Codes = .named([]),
                             _ body: @escaping @Sendable (MemoryStore) async throws -> T) async throws(StoreError) -> T {
        let (result, changed) = try await transaction("changing account \(account)", bound: .seconds(30)) { [logger] connection in
            let revision = try await Rows.beginChange(connection, account: account, logger: logger)
            let before = try await Rows.load(connection, accounts: [account], codes: codes, logger: logger)
            let workspace = MemoryStore(contents: before)
            let result = try await body(workspace)
            let changed = try await Rows.writeBack(connection, before: before, after: workspace.contents, revision: revision, logger: logger)
            try await Rows.bump(connection, accounts: changed, revision: revision, logger: logger)
            return (result, changed)
        }
        // This server's next call sees the change without waiting for the notification.
        if !changed.isEmpty, sync.isFollowing { try? await sync.reload(self, accounts: Array(changed)) }
        return result
    }

    /// Reads the account's rows in one snapshot and answers from them. Admin reads and changes
    /// wait up to 30 s: the call path's deadline (`--commit-wait`) is for calls.
    func read<T: Sendable>(account: String, codes: Rows.Codes? = nil,
                           _ body: @escaping @Sendable (MemoryStore) async throws -> T) async throws(StoreError) -> T {
        let contents = try await transaction("reading account \(account)", bound: .seconds(30)) { [logger] connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            return try await Rows.load(connection, accounts: [account], codes: codes, logger: logger)
        }
        do { return try await body(MemoryStore(contents: contents)) } catch { throw Self.wrap(error) }
    }

    func rows(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> [PostgresRow] {
        try await timed(what, bound: .seconds(60)) { [client, logger] in try await client.query(query, logger: logger).collect() }
    }

    // MARK: Accounts

    public func account(_ id: String) async throws(StoreError) -> Account? { try await read(account: id) { try await $0.account(id) } }
    public func accountOrDefault(_ id: String) async throws(StoreError) -> Account {
        try await read(account: id) { try await $0.accountOrDefault(id) }
    }

    public func accountIDs() async throws(StoreError) -> [String] {
        try await rows("listing accounts", "SELECT id FROM account ORDER BY id").decoded { try $0.decode(String.self) }
    }

    public func sourceBindings() async throws(StoreError) -> SourceBindings {
        var contents = MemoryStore.Contents()
        for account in try await rows("reading source bindings", "SELECT doc FROM account")
            .decoded({ try Rows.value(Account.self, try $0.decode(String.self)) }) {
            contents.accounts[account.id] = account
        }
        return try await MemoryStore(contents: contents).sourceBindings()
    }

    public func saveAccount(_ account: Account, enableAllUsers: Bool, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await change(account: account.id) { try await $0.saveAccount(account, enableAllUsers: enableAllUsers, audit: audit) }
    }

    // MARK: Groups and users

    public func groups(account: String) async throws(StoreError) -> [SettingsGroup] { try await read(account: account) { try await $0.groups(account: account) } }
    public func group(account: String, name: String) async throws(StoreError) -> SettingsGroup? {
        try await read(account: account) { try await $0.group(account: account, name: name) }
    }
    public func saveGroup(_ group: SettingsGroup, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: group.accountID) { try await $0.saveGroup(group, create: create, audit: audit) }
    }
    public func removeGroup(account: String, name: String, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await change(account: account) { try await $0.removeGroup(account: account, name: name, audit: audit) }
    }
    public func users(account: String) async throws(StoreError) -> [User] { try await read(account: account) { try await $0.users(account: account) } }
    public func user(account: String, extension ext: String) async throws(StoreError) -> User? {
        try await read(account: account) { try await $0.user(account: account, extension: ext) }
    }
    public func saveUser(_ user: User, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: user.accountID) { try await $0.saveUser(user, create: create, audit: audit) }
    }
    public func removeUser(account: String, extension ext: String, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: account) { try await $0.removeUser(account: account, extension: ext, audit: audit) }
    }
    public func importUsers(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        try await change(account: account) { try await $0.importUsers(account: account, csv: csv, audit: audit) }
    }
    public func exportUsers(account: String) async throws(StoreError) -> String {
        try await read(account: account) { try await $0.exportUsers(account: account) }
    }

    // MARK: Codes

    public func code(account: String, code: String) async throws(StoreError) -> AccountCode? {
        try await read(account: account, codes: .named([code])) { try await $0.code(account: account, code: code) }
    }

    /// `matching`: codes that start with it or whose description contains it (case aside).
    public func codes(account: String, activeOnly: Bool, matching: String?, limit: Int?) async throws(StoreError) -> [AccountCode] {
        var binds = PostgresBindings()
        binds.append(account)
        var sql = "SELECT doc FROM code WHERE account_id = $1"
        if activeOnly { sql += " AND active" }
        if let matching, !matching.isEmpty {
            let escaped = matching.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            binds.append(escaped + "%")
            binds.append("%" + escaped + "%")
            sql += " AND (code LIKE $2 OR description ILIKE $3)"
        }
        sql += " ORDER BY code COLLATE \"C\""
        if let limit {
            binds.append(limit)
            sql += " LIMIT $\(binds.count)"
        }
        return try await rows("listing codes", PostgresQuery(unsafeSQL: sql, binds: binds))
            .decoded { try Rows.value(AccountCode.self, try $0.decode(String.self)) }
    }

    public func codeCount(account: String) async throws(StoreError) -> Int {
        try await rows("counting codes", "SELECT count(*) FROM code WHERE account_id = \(account)")
            .decoded { try $0.decode(Int.self) }.first ?? 0
    }

    public func addCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: code.accountID, codes: .named([code.code])) { try await $0.addCode(code, audit: audit) }
    }
    public func updateCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: code.accountID, codes: .named([code.code])) { try await $0.updateCode(code, audit: audit) }
    }
    public func removeCode(account: String, code: String, audit: AuditRecord?) async throws(StoreError) {
        try await change(account: account, codes: .named([code])) { try await $0.removeCode(account: account, code: code, audit: audit) }
    }
    public func importCodes(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        try await change(account: account, codes: .all) { try await $0.importCodes(account: account, csv: csv, audit: audit) }
    }
    public func exportCodes(account: String) async throws(StoreError) -> String {
        try await read(account: account, codes: .all) { try await $0.exportCodes(account: account) }
    }

    public func listedCodes(account: String, among codes: Set<String>) async throws(StoreError) -> Set<String> {
        guard !codes.isEmpty else { return [] }
        return Set(try await rows("reading codes", "SELECT code FROM code WHERE account_id = \(account) AND code = ANY(\(Array(codes)))")
            .decoded { try $0.decode(String.self) })
    }

    // MARK: Lockouts

    public func lockouts(account: String, now: Double) async throws(StoreError) -> [Lockout] {
        try await rows("listing lockouts", """
            SELECT subject, locked_at, until, strikes, count FROM lockout WHERE account_id = \(account) AND until > \(now)
            ORDER BY until, subject COLLATE "C"
            """).decoded { row in
                let (subject, lockedAt, until, strikes, count) = try row.decode((String, Double, Double, Int, Int).self)
                return Lockout(accountID: account, subject: subject, state: LockState(lockedAt: lockedAt, until: until, strikes: strikes, count: count))
        }
    }

    public func unlock(account: String, subject: LockSubject, now: Double, audit: AuditRecord?) async throws(StoreError) -> Bool {
        let key = subject.key
        let wasLocked = try await transaction("lifting a lock") { [logger] connection in
            try await Rows.lock(connection, "lockout:\(account)/\(key)", logger: logger)
            let until = try await connection.query("""
                DELETE FROM lockout WHERE account_id = \(account) AND subject = \(key) RETURNING until
                """, logger: logger).decode(Double.self).collect().first
            try await connection.query("DELETE FROM entry_failure WHERE account_id = \(account) AND subject = \(key)", logger: logger)
            if let audit { try await Rows.insert(audit, connection, logger: logger) }
            let revision = try await Rows.beginChange(connection, account: account, logger: logger)
            try await Rows.bump(connection, accounts: [account], revision: revision, logger: logger)
            return (until ?? -.infinity) > now
        }
        mirror.unlock(account: account, subject: subject)
        return wasLocked
    }

    // MARK: Tokens and the audit log

    public func addToken(_ token: StoredToken, audit: AuditRecord?) async throws(StoreError) {
        let added = try await transaction("adding a token") { [logger] connection in
            let inserted = try await connection.query("""
                INSERT INTO api_token (id, hash, created_at, doc) VALUES (\(token.id), \(token.hash), \(token.createdAt.timeIntervalSince1970),
                    \(try Rows.doc(token))) ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger).decode(String.self).collect()
            guard !inserted.isEmpty else { return false }
            if let audit { try await Rows.insert(audit, connection, logger: logger) }
            return true
        }
        if !added { throw .alreadyExists("token \(token.id.debugDescription)") }
    }

    /// The live (not revoked) token with this hash: read from the database on every request, so
    /// a token revoked through any server is refused by every server at once.
    public func token(hash: String) async throws(StoreError) -> StoredToken? {
        try await rows("reading a token", "SELECT doc FROM api_token WHERE hash = \(hash)")
            .decoded { try Rows.value(StoredToken.self, try $0.decode(String.self)) }
            .first { $0.revokedAt == nil }
    }

    public func tokens() async throws(StoreError) -> [StoredToken] {
        try await rows("listing tokens", "SELECT doc FROM api_token ORDER BY created_at, id COLLATE \"C\"")
            .decoded { try Rows.value(StoredToken.self, try $0.decode(String.self)) }
    }

    public func revokeToken(id: String, audit: AuditRecord?) async throws(StoreError) -> Bool {
        try await transaction("revoking a token") { [logger] connection in
            guard let doc = try await connection.query("SELECT doc FROM api_token WHERE id = \(id) FOR UPDATE", logger: logger)
                .decode(String.self).collect().first else { throw StoreError.notFound("token \(id.debugDescription)") }
            var token = try Rows.value(StoredToken.self, doc)
            guard token.revokedAt == nil else { return false }
            token.revokedAt = Date()
            try await connection.query("UPDATE api_token SET doc = \(try Rows.doc(token)) WHERE id = \(id)", logger: logger)
            if let audit { try await Rows.insert(audit, connection, logger: logger) }
            return true
        }
    }

    /// Newest first.
    public func audit(_ filter: AuditFilter) async throws(StoreError) -> [AuditRecord] {
        let all = filter.accountID == nil
        return try await rows("reading the audit log", """
            SELECT id, doc FROM audit WHERE (\(all) OR account_id = \(filter.accountID ?? ""))
                AND id < \(filter.beforeID ?? Int64.max) ORDER BY id DESC LIMIT \(filter.limit)
            """).decoded { row in
                let (id, doc) = try row.decode((Int64, String).self)
                var record = try Rows.value(AuditRecord.self, doc)
                record.id = id
                return record
        }
    }

    // MARK: The usage log, read

    public func usagePage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try await usagePage(filter, cursor: afterID, limit: limit, newestFirst: false)
    }

    public func usagePageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try await usagePage(filter, cursor: beforeID, limit: limit, newestFirst: true)
    }

    private func usagePage(_ filter: UsageFilter, cursor: Int64?, limit: Int, newestFirst: Bool) async throws(StoreError) -> [UsageEntry] {
        try await usageQuery("reading the usage log") { binds in
            var sql = "SELECT \(Self.usageColumns) FROM usage u \(Self.whereClause(filter, &binds))"
            if let cursor {
                binds.append(cursor)
                sql += newestFirst ? " AND u.id < $\(binds.count)" : " AND u.id > $\(binds.count)"
            }
            binds.append(limit)
            return sql + " ORDER BY u.id\(newestFirst ? " DESC" : "") LIMIT $\(binds.count)"
        }.decoded(Self.decodeUsage)
    }

    public func usageCSVPage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> CSVPage {
        let page = try await usagePage(filter, afterID: afterID, limit: limit)
        return CSVPage(text: UsageCSV.lines(page), lastID: page.last?.id, count: page.count)
    }

    public func usageTotals(_ filter: UsageFilter) async throws(StoreError) -> [CodeTotal] {
        try await usageQuery("totalling the usage log") { binds in
            """
            SELECT \(Self.billingCodeSQL) AS billing, COALESCE(min(c.description), '') AS description, bool_or(c.code IS NOT NULL) AS listed,
                   count(*) AS calls, COALESCE(sum(\(Self.boundedBillsec)), 0)::bigint AS billsec,
                   COALESCE(sum((\(Self.boundedBillsec) + 59) / 60), 0)::bigint AS minutes
            FROM usage u LEFT JOIN code c ON c.account_id = u.account_id AND c.code = \(Self.billingCodeSQL)
            \(Self.whereClause(filter, &binds)) AND \(Self.billingCodeSQL) IS NOT NULL
            GROUP BY billing ORDER BY \(Self.billingCodeSQL) COLLATE "C"
            """
        }.decoded { row in
                let (code, description, listed, calls, billsec, minutes) = try row.decode((String, String, Bool, Int, Int, Int).self)
                return CodeTotal(code: code, description: description, calls: calls, billsec: billsec, billableMinutes: minutes, listed: listed)
        }
    }

    public func correctUsage(account: String, id: Int64, correction: UsageCorrection?, audit: AuditRecord?) async throws(StoreError) -> UsageEntry {
        try await transaction("correcting a usage entry") { [logger] connection in
            let rows = try await connection.query("""
                UPDATE usage u SET corrected_code = \(correction?.code), correction_reason = \(correction?.reason),
                    corrected_by = \(correction?.by), corrected_ms = \(correction.map { Self.millis($0.at) })
                WHERE u.id = \(id) AND u.account_id = \(account)
                RETURNING \(unescaped: Self.usageColumns)
                """, logger: logger).collect()
            guard let row = rows.first else { throw StoreError.notFound("usage entry \(id)") }
            if let audit { try await Rows.insert(audit, connection, logger: logger) }
            return try Self.decodeUsage(row)
        }
    }

    public func usageDurations(_ filter: UsageFilter) async throws(StoreError) -> [CodeDurations] {
        let rows = try await usageQuery("reading the usage log's durations") { binds in
            """
            SELECT \(Self.billingCodeSQL) AS billing, \(Self.boundedBillsec)::bigint AS seconds, count(*) AS calls,
                   COALESCE(min(c.description), '') AS description, bool_or(c.code IS NOT NULL) AS listed,
                   min(c.doc::jsonb ->> 'billing') AS terms
            FROM usage u LEFT JOIN code c ON c.account_id = u.account_id AND c.code = \(Self.billingCodeSQL)
            \(Self.whereClause(filter, &binds)) AND \(Self.billingCodeSQL) IS NOT NULL
            GROUP BY billing, seconds
            """
        }.decoded { row in try row.decode((String, Int, Int, String, Bool, String?).self) }
        return CodeDurations.folded(rows.map { (code: $0.0, seconds: $0.1, calls: $0.2, description: $0.3, listed: $0.4, terms: $0.5) })
    }

    public func usageDaily(_ filter: UsageFilter) async throws(StoreError) -> [DayTotal] {
        try await usageQuery("totalling the usage log by day") { binds in
            """
            SELECT to_char(to_timestamp(u.started_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS calls,
                   COALESCE(sum((\(Self.boundedBillsec) + 59) / 60), 0)::bigint AS minutes
            FROM usage u \(Self.whereClause(filter, &binds)) GROUP BY day ORDER BY day
            """
        }.decoded { row in
                let (day, calls, minutes) = try row.decode((String, Int, Int).self)
                return DayTotal(day: day, calls: calls, billableMinutes: minutes)
        }
    }

}

extension Array where Element == PostgresRow {
    /// Every row decoded; a row that cannot be is a store error.
    func decoded<T>(_ body: (PostgresRow) throws -> T) throws(StoreError) -> [T] {
        do { return try map(body) } catch { throw .database("unreadable row: \(error)") }
    }
}

extension Rows {
    static func insert(_ audit: AuditRecord, _ connection: PostgresConnection, logger: Logger) async throws {
        var stored = audit
        stored.id = nil
        try await connection.query("INSERT INTO audit (account_id, doc) VALUES (\(audit.accountID), \(try doc(stored)))", logger: logger)
    }
}
