import AccountCodes
internal import GRDB
import StoreCore

extension AcctcodesStore {
    public func addCode(_ code: AccountCode, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            let account = try Self.requireAccount(db, code.accountID)
            try SettingsRules.check(code: code.code, account: account)
            try SettingsRules.check(limits: code)
            do {
                try Self.insertCode(db, code, replace: false)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError.alreadyExists("code \(code.code)")
            }
        }
    }

    /// Changes a code's description, active flag or limits.
    public func updateCode(_ code: AccountCode, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            try SettingsRules.check(limits: code)
            try db.execute(sql: """
                UPDATE code SET description = ?, active = ?, users = ?, groups = ?, level = ?, valid_from = ?, valid_until = ?, billing = ?
                WHERE account_id = ? AND code = ?
                """, arguments: [code.description, code.active, code.users.joined(separator: ","), code.groups.joined(separator: ","),
                                 code.level?.rawValue, code.validFrom, code.validUntil, try Self.billingColumn(code.billing),
                                 code.accountID, code.code])
            if db.changesCount == 0 { throw StoreError.notFound("code \(code.code)") }
        }
    }

    /// Removes a code. Refused while validation is on and it is the last one.
    public func removeCode(account: String, code: String, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            let stored = try Self.requireAccount(db, account)
            try db.execute(sql: "DELETE FROM code WHERE account_id = ? AND code = ?", arguments: [account, code])
            if db.changesCount == 0 { throw StoreError.notFound("code \(code)") }
            if stored.defaults.validateWhenDialed, try !Self.hasCodes(db, account) {
                throw StoreError.rule(.validationWithoutCodes)
            }
        }
    }

    public func code(account: String, code: String) throws(StoreError) -> AccountCode? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM code WHERE account_id = ? AND code = ?", arguments: [account, code]).map(Self.decodeCode)
        }
    }

    /// `matching`: codes that start with it or whose description contains it (case-insensitive).
    public func codes(account: String, activeOnly: Bool = false, matching: String? = nil, limit: Int? = nil) throws(StoreError) -> [AccountCode] {
        try read { db in
            var filter = activeOnly ? " AND active = 1" : ""
            var arguments: StatementArguments = [account]
            if let matching, !matching.isEmpty {
                let escaped = matching.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                filter += " AND (code LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')"
                arguments += [escaped + "%", "%" + escaped + "%"]
            }
            let limitSQL = limit.map { " LIMIT \($0)" } ?? ""
            return try Row.fetchAll(db, sql: "SELECT * FROM code WHERE account_id = ?\(filter) ORDER BY code\(limitSQL)",
                                    arguments: arguments).map(Self.decodeCode)
        }
    }

    public func codeCount(account: String) throws(StoreError) -> Int {
        try read { db in try Self.codeCount(db, account) }
    }

    /// The same lookup through GRDB's async API, kept for `acctcodes-bench lookup` to compare:
    /// the hop to GRDB's reader queue and back costs several times the query.
    public func isValidCodeAsync(account: String, code: String) async throws(StoreError) -> Bool {
        try await asyncRead { db in try Self.isValidCode(db, account, code) }
    }

    /// Whether a code exists and is active in the account (its limits aside).
    public func isValidCode(account: String, code: String) throws(StoreError) -> Bool {
        try codeFacts(account: account, code: code)?.active ?? false
    }

    /// A code's facts, nil when the account has no such code: the validation lookup on every
    /// call, on the calling thread.
    public func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts? {
        do { return try threadReaders.call { try $0.codeFacts(account: account, code: code) } } catch { throw StoreError.wrap(error) }
    }

    static func isValidCode(_ db: GRDB.Database, _ account: String, _ code: String) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT active FROM code WHERE account_id = ? AND code = ?")
        return try Bool.fetchOne(statement, arguments: [account, code]) ?? false
    }

    static func insertCode(_ db: GRDB.Database, _ code: AccountCode, replace: Bool) throws {
        let verb = replace ? "INSERT OR REPLACE" : "INSERT"
        let statement = try db.cachedStatement(sql: """
            \(verb) INTO code (account_id, code, description, active, users, groups, level, valid_from, valid_until, billing)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [code.accountID, code.code, code.description, code.active, code.users.joined(separator: ","),
                                          code.groups.joined(separator: ","), code.level?.rawValue, code.validFrom, code.validUntil,
                                          try billingColumn(code.billing)])
    }

    /// A code's own billing terms as stored: NULL when it has none.
    static func billingColumn(_ billing: BillingOverrides?) throws -> String? {
        guard let billing, !billing.isEmpty else { return nil }
        return try JSONColumn.encode(billing)
    }

    static func decodeBilling(_ text: String?) -> BillingOverrides? {
        text.flatMap { try? JSONColumn.decodeCached(BillingOverrides.self, $0) }
    }

    static func decodeCode(_ row: Row) -> AccountCode {
        var code = AccountCode(accountID: row["account_id"], code: row["code"], description: row["description"], active: row["active"])
        code.users = list(row["users"])
        code.groups = list(row["groups"])
        code.level = (row["level"] as String?).flatMap(CallPermission.init(rawValue:))
        code.validFrom = row["valid_from"]
        code.validUntil = row["valid_until"]
        code.billing = decodeBilling(row["billing"])
        return code
    }
}
