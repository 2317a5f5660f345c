/// One PBX customer (tenant). A single-tenant install has one, `default`.
public struct Account: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    /// Digits in every code of this account; `nil` until account codes are first set up.
    public var codeLength: Int?
    public var maxRetries: Int = 3
    public var defaults = Settings()
    public var plan = NumberingPlan()
    /// PBX addresses or networks that may act for this account (see `SourceBindings`); empty
    /// while the install is single-tenant.
    public var allowedSources: [String] = []
    /// What a caller who is not a user of the account gets.
    public var unknownCallers: UnknownCallers = .refuse
    /// Codes are secrets here (authorization PINs rather than client numbers): the audit log
    /// never shows one in clear.
    public var hideCodes: Bool = false
    /// How calls' connected time is billed (increment, minimum, rate); nil: `BillingTerms.standard`.
    /// Optional so that accounts stored before it (as JSON documents on PostgreSQL) still decode.
    public var billing: BillingTerms?

    /// The terms the account bills by.
    public var billingTerms: BillingTerms { billing ?? .standard }

    /// The account every install has: a request with no account is for it, and it needs no setup.
    public static let defaultID = "default"

    public init(id: String, name: String = "") {
        self.id = id
        self.name = name
    }
}

/// A named set of users with overrides and a call permission.
public struct SettingsGroup: Sendable, Codable, Equatable {
    public var accountID: String
    public var name: String
    public var overrides = SettingsOverrides()
    public var permission: CallPermission = .international

    public init(accountID: String, name: String) {
        self.accountID = accountID
        self.name = name
    }
}

/// A user: an extension of one account, in at most one group.
public struct User: Sendable, Codable, Equatable {
    public var accountID: String
    public var extensionNumber: String
    public var name: String = ""
    public var group: String?
    /// Off for a new user: the admin turns it on, or re-saves the account with "enable all".
    public var enabled: Bool = false
    public var overrides = SettingsOverrides()

    public init(accountID: String, extensionNumber: String) {
        self.accountID = accountID
        self.extensionNumber = extensionNumber
    }
}

/// A code a caller can enter, with the client or matter it bills to.
public struct AccountCode: Sendable, Codable, Equatable {
    public var accountID: String
    public var code: String
    public var description: String
    public var active: Bool
    /// Who may use it: these extensions and the users of these groups (both empty: anyone).
    public var users: [String] = []
    public var groups: [String] = []
    /// The highest call class it authorizes; nil for any.
    public var level: CallPermission?
    /// First and last day it may be used (`YYYY-MM-DD`, both included).
    public var validFrom: String?
    public var validUntil: String?
    /// Billing terms of its own, each replacing the account's; nil or empty: the account's.
    public var billing: BillingOverrides?

    public init(accountID: String, code: String, description: String = "", active: Bool = true) {
        self.accountID = accountID
        self.code = code
        self.description = description
        self.active = active
    }

    public var facts: CodeFacts {
        CodeFacts(active: active, users: users, groups: groups, level: level, validFrom: validFrom, validUntil: validUntil)
    }
}

/// What an account does with a caller whose caller ID is not one of its users.
public enum UnknownCallers: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Calls that would need a code are refused (`unknown-caller`); others go through. The default:
    /// a spoofed caller ID opens nothing.
    case refuse
    /// Treated as an enabled user of this settings group.
    case group(String)

    /// `refuse` or `group:NAME`, as the CLI and the database write it.
    public var description: String {
        switch self {
        case .refuse: "refuse"
        case .group(let name): "group:\(name)"
        }
    }

    public init?(_ text: String) {
        if text == "refuse" { self = .refuse; return }
        guard text.hasPrefix("group:"), text.count > 6 else { return nil }
        self = .group(String(text.dropFirst(6)))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = UnknownCallers(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "refuse or group:NAME"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
