import Foundation

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
