/// The behaviour settings an account sets as defaults and a group or user may override.
public struct Settings: Sendable, Codable, Equatable {
    public var allowAccountCodes: Bool = false
    public var requireForInternal: Bool = false
    public var validateWhenDialed: Bool = false
    public var proceedAfterMaxRetries: Bool = false
    public var callsRequiringCodes: Set<RequirableClass> = []
    public var collection: Collection = .off
    /// Seconds `GET DATA` waits for each digit.
    public var entryTimeout: Int = 5

    public init() {}
}

/// A level's overrides: `nil` means "inherit".
public struct SettingsOverrides: Sendable, Codable, Equatable {
    public var allowAccountCodes: Bool?
    public var requireForInternal: Bool?
    public var validateWhenDialed: Bool?
    public var proceedAfterMaxRetries: Bool?
    public var callsRequiringCodes: Set<RequirableClass>?
    public var collection: Collection?
    public var entryTimeout: Int?

    public init() {}

    public var isEmpty: Bool { self == SettingsOverrides() }
}

/// Every settings field, for provenance and for the CLI.
public enum SettingField: String, Sendable, Codable, CaseIterable {
    case allowAccountCodes = "allow-account-codes"
    case requireForInternal = "require-for-internal"
    case validateWhenDialed = "validate-when-dialed"
    case proceedAfterMaxRetries = "proceed-after-max-retries"
    case callsRequiringCodes = "calls-requiring-codes"
    case collection
    case entryTimeout = "entry-timeout"
}

/// Where an effective value came from.
public enum SettingSource: String, Sendable, Codable, CustomStringConvertible {
    case account, group, user
    /// The user's override was ignored because the account does not allow it.
    case accountCap = "account (user override ignored)"
    public var description: String { rawValue }
}

/// Account defaults, then the group's overrides, then the user's, with where each value came from.
public struct EffectiveSettings: Sendable, Equatable {
    public var settings: Settings
    public var sources: [SettingField: SettingSource]
    public var permission: CallPermission
    public var permissionSource: SettingSource

    public init(account: Settings, group: SettingsOverrides?, groupPermission: CallPermission?, user: SettingsOverrides?) {
        settings = account
        sources = Dictionary(uniqueKeysWithValues: SettingField.allCases.map { ($0, .account) })
        permission = groupPermission ?? .international
        permissionSource = groupPermission == nil ? .account : .group
        if let group { apply(group, from: .group) }
        if let user {
            var user = user
            // A user may turn "proceed after max retries" on only while the account has it on.
            if user.proceedAfterMaxRetries == true, !account.proceedAfterMaxRetries {
                user.proceedAfterMaxRetries = nil
                sources[.proceedAfterMaxRetries] = .accountCap
                settings.proceedAfterMaxRetries = false
            }
            apply(user, from: .user)
        }
    }

    /// Field by field, without key paths: forming them cost more than the rest of a call's merge.
    private mutating func apply(_ overrides: SettingsOverrides, from source: SettingSource) {
        if let value = overrides.allowAccountCodes { settings.allowAccountCodes = value; sources[.allowAccountCodes] = source }
        if let value = overrides.requireForInternal { settings.requireForInternal = value; sources[.requireForInternal] = source }
        if let value = overrides.validateWhenDialed { settings.validateWhenDialed = value; sources[.validateWhenDialed] = source }
        if let value = overrides.proceedAfterMaxRetries {
            settings.proceedAfterMaxRetries = value
            sources[.proceedAfterMaxRetries] = source
        }
        if let value = overrides.callsRequiringCodes { settings.callsRequiringCodes = value; sources[.callsRequiringCodes] = source }
        if let value = overrides.collection { settings.collection = value; sources[.collection] = source }
        if let value = overrides.entryTimeout { settings.entryTimeout = value; sources[.entryTimeout] = source }
    }
}
