import AccountCodes
internal import GRDB
import StoreCore

extension AcctcodesStore {
    /// The account, or `nil` if it was never saved.
    public func account(_ id: String) throws(StoreError) -> Account? {
        try read { db in try Self.fetchAccount(db, id) }
    }

    /// Creates or updates an account after the rules check it against what is stored.
    /// `enableAllUsers` is the "enable for every user who does not have it yet" answer; returns how many it enabled.
    @discardableResult
    public func saveAccount(_ account: Account, enableAllUsers: Bool = false, audit: AuditRecord? = nil) throws(StoreError) -> Int {
        try write(audit: audit) { db in
            let previous = try Self.fetchAccount(db, account.id)
            if previous == nil { try SettingsRules.check(accountID: account.id) }
            try SettingsRules.check(account: account, previous: previous, hasCodes: try Self.hasCodes(db, account.id))
            if case .group(let name) = account.unknownCallers, try Self.fetchGroup(db, account.id, name) == nil {
                throw RuleViolation.unknownGroupForUnknownCallers(name)
            }
            try db.execute(sql: """
                INSERT INTO account (id, name, code_length, max_retries, settings, plan, allowed_sources, unknown_callers, hide_codes,
                                     billing)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, code_length = excluded.code_length,
                    max_retries = excluded.max_retries, settings = excluded.settings, plan = excluded.plan,
                    allowed_sources = excluded.allowed_sources, unknown_callers = excluded.unknown_callers,
                    hide_codes = excluded.hide_codes, billing = excluded.billing
                """, arguments: [account.id, account.name, account.codeLength, account.maxRetries,
                                 try JSONColumn.encode(account.defaults), try JSONColumn.encode(account.plan),
                                 account.allowedSources.compactMap { NetworkBlock($0)?.description }.joined(separator: ","),
                                 account.unknownCallers.description, account.hideCodes, try account.billing.map { try JSONColumn.encode($0) }])
            guard enableAllUsers else { return 0 }
            try db.execute(sql: "UPDATE user SET enabled = 1 WHERE account_id = ? AND enabled = 0", arguments: [account.id])
            return db.changesCount
        }
    }

    /// Every account's allowed sources, for the tenant rules.
    public func sourceBindings() throws(StoreError) -> SourceBindings {
        try read { db in try Self.fetchSourceBindings(db) }
    }

    static func fetchSourceBindings(_ db: GRDB.Database) throws -> SourceBindings {
        let rows = try Row.fetchAll(db, sql: "SELECT id, allowed_sources FROM account WHERE allowed_sources != ''")
        return SourceBindings(accounts: rows.map { (id: $0["id"], allowedSources: Self.list($0["allowed_sources"])) })
    }

    /// All account ids, for warnings that name the accounts a change affects.
    public func accountIDs() throws(StoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT id FROM account ORDER BY id") }
    }

    /// A comma list column ('' for none).
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }

    /// The account, created with defaults when missing: a fresh install has `default` ready to configure.
    public func accountOrDefault(_ id: String) throws(StoreError) -> Account {
        try account(id) ?? Account(id: id)
    }

    static func fetchAccount(_ db: GRDB.Database, _ id: String) throws -> Account? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?"), arguments: [id]).map(decodeAccount)
    }

    static func requireAccount(_ db: GRDB.Database, _ id: String) throws -> Account {
        guard let account = try fetchAccount(db, id) else {
            throw StoreError.notFound("account \(id.debugDescription) (create it with: acctcodes account set --account \(id) ...)")
        }
        return account
    }

    static func decodeAccount(_ row: Row) throws -> Account {
        var account = Account(id: row["id"], name: row["name"])
        account.codeLength = row["code_length"]
        account.maxRetries = row["max_retries"]
        account.defaults = try JSONColumn.decodeCached(Settings.self, row["settings"])
        account.plan = try JSONColumn.decodeCached(NumberingPlan.self, row["plan"])
        account.allowedSources = list(row["allowed_sources"])
        account.unknownCallers = UnknownCallers(row["unknown_callers"]) ?? .refuse
        account.hideCodes = row["hide_codes"]
        account.billing = try (row["billing"] as String?).map { try JSONColumn.decodeCached(BillingTerms.self, $0) }
        return account
    }

    /// Whether the account has any code: an index probe, where a count would scan a million rows.
    static func hasCodes(_ db: GRDB.Database, _ accountID: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM code WHERE account_id = ?)"), arguments: [accountID]) ?? false
    }

    static func codeCount(_ db: GRDB.Database, _ accountID: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM code WHERE account_id = ?", arguments: [accountID]) ?? 0
    }
}
