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

    private mutating func apply(_ overrides: SettingsOverrides, from source: SettingSource) {
        func take<T>(_ value: T?, _ field: SettingField, _ keyPath: WritableKeyPath<Settings, T>) {
            guard let value else { return }
            settings[keyPath: keyPath] = value
            sources[field] = source
        }
        take(overrides.allowAccountCodes, .allowAccountCodes, \.allowAccountCodes)
        take(overrides.requireForInternal, .requireForInternal, \.requireForInternal)
        take(overrides.validateWhenDialed, .validateWhenDialed, \.validateWhenDialed)
        take(overrides.proceedAfterMaxRetries, .proceedAfterMaxRetries, \.proceedAfterMaxRetries)
        take(overrides.callsRequiringCodes, .callsRequiringCodes, \.callsRequiringCodes)
        take(overrides.collection, .collection, \.collection)
        take(overrides.entryTimeout, .entryTimeout, \.entryTimeout)
    }
}
