/// What a token may do. The rules of who may do what live here, as values, so the HTTP API and
/// the CLI ask the same question; the API checks every request, the CLI acts as an operator.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Every account, every action: the hosted-PBX operator's provisioning system.
    case `operator`
    /// One account, every action on it: the customer's own administrator or portal.
    case accountAdmin = "account-admin"
    /// One account, read-only usage log and codes: a billing system's nightly pull.
    case billing
}

/// What a request does, as the access rules see it.
public enum Action: String, Sendable, CaseIterable {
    case readSettings, writeSettings
    case readCodes, writeCodes
    case readUsage
    /// Set or change a finished call's code: an admin's, never a billing token's.
    case correctUsage
    case readLockouts, clearLockouts
    case readAudit
    case explain
    /// Create accounts and list every account's records: the operator's alone.
    case administerAccounts
    /// Set the PBX sources an account answers for: the operator's alone, since the first account
    /// given sources closes every account that has none.
    case bindSources
}

/// Who is asking: a token's role and scope, or the CLI run on the server's host.
public struct Principal: Sendable, Equatable {
    /// How the audit log names it: `token:ID (NAME)` or `cli:USER`.
    public var name: String
    public var role: Role
    /// The one account a scoped role acts for (nil for an operator).
    public var account: String?

    public init(name: String, role: Role, account: String?) {
        self.name = name
        self.role = role
        self.account = role == .operator ? nil : account
    }

    /// The CLI: whoever can open the database file can do anything with it already.
    public static func commandLine(user: String) -> Principal {
        Principal(name: "cli:\(user)", role: .operator, account: nil)
    }

    /// Whether this principal may do `action` on `account` (nil: across accounts).
    public func may(_ action: Action, account target: String?) -> Bool {
        switch role {
        case .operator: return true
        case .accountAdmin, .billing:
            guard let target, target == account else { return false }
            if role == .accountAdmin { return action != .administerAccounts && action != .bindSources }
            return action == .readUsage || action == .readCodes
        }
    }

    /// Whether the account exists for this principal at all: a scoped token learns nothing of
    /// other accounts, not even that they exist (it gets "not found", as for a missing one).
    public func sees(account target: String) -> Bool {
        role == .operator || target == account
    }
}
