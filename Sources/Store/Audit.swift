import StoreCore
import Foundation
internal import GRDB

/// One change, as the audit log keeps it: who made it, when, to what, and the thing before and
/// after (JSON, or nil where it did not exist). Written in the change's own transaction.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var at: Date
    /// `token:ID (NAME)` for the API, `cli:USER` for the command line.
    public var actor: String
    public var accountID: String
    /// What was done, e.g. `code.add`, `user.unlock`, `account.save`.
    public var action: String
    /// What it was done to, e.g. `code 0042`, `user 1001`.
    public var target: String
    public var before: String?
    public var after: String?

    public init(at: Date = Date(), actor: String, accountID: String, action: String, target: String,
                before: String? = nil, after: String? = nil) {
        self.at = at
        self.actor = actor
        self.accountID = accountID
        self.action = action
        self.target = target
        self.before = before
        self.after = after
    }
}

/// Which audit records to list: one account's or all, newest first, before a record id.
public struct AuditFilter: Sendable {
    public var accountID: String?
    public var beforeID: Int64?
    public var limit: Int

    public init(accountID: String?, beforeID: Int64? = nil, limit: Int = 100) {
        self.accountID = accountID
        self.beforeID = beforeID
        self.limit = limit
    }
}

extension AcctcodesStore {
    static func insertAudit(_ db: GRDB.Database, _ record: AuditRecord) throws {
        try db.execute(sql: """
            INSERT INTO audit (at, actor, account_id, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.at, record.actor, record.accountID, record.action, record.target,
                             record.before, record.after])
    }

    /// Newest first.
    public func audit(_ filter: AuditFilter) throws(StoreError) -> [AuditRecord] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let account = filter.accountID { clauses.append("account_id = ?"); arguments += [account] }
            if let before = filter.beforeID { clauses.append("id < ?"); arguments += [before] }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments += [filter.limit]
            return try Row.fetchAll(db, sql: "SELECT * FROM audit \(whereSQL) ORDER BY id DESC LIMIT ?", arguments: arguments).map {
                var record = AuditRecord(at: $0["at"], actor: $0["actor"],
                                         accountID: $0["account_id"], action: $0["action"], target: $0["target"],
                                         before: $0["before"], after: $0["after"])
                record.id = $0["id"]
                return record
            }
        }
    }

    /// An import's audit record, its `after` the import's summary (the file itself is not kept).
    static func insertAudit(_ db: GRDB.Database, _ record: AuditRecord?, summary: ImportSummary) throws {
        guard var record else { return }
        record.after = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        try insertAudit(db, record)
    }
}
