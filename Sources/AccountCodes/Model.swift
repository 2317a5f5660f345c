/// One PBX customer (tenant). A single-tenant install has one, `default`.
public struct Account: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    /// Digits in every code of this account; `nil` until account codes are first set up.
    public var codeLength: Int?
    public var maxRetries: Int = 3
    public var defaults = Settings()
    public var plan = NumberingPlan()

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

    public init(accountID: String, code: String, description: String = "", active: Bool = true) {
        self.accountID = accountID
        self.code = code
        self.description = description
        self.active = active
    }
}
