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
    /// Incorrect entries, across calls, that lock a caller out of code-gated calls; 0 for never.
    /// Ten: a person who mistypes twice on a few calls is nowhere near it, a guessing robot is
    /// stopped after ten guesses (see the README's Security section).
    public var lockoutAfter: Int = 10
    /// Minutes over which incorrect entries are counted.
    public var lockoutWindow: Int = 60
    /// Minutes of the first lock; each further lock within a day doubles it, up to a day.
    public var lockoutMinutes: Int = 30

    public init() {}
}

extension Settings {
    /// Settings saved by an earlier version lack the newer fields: those take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Settings()
        allowAccountCodes = try c.decodeIfPresent(Bool.self, forKey: .allowAccountCodes) ?? d.allowAccountCodes
        requireForInternal = try c.decodeIfPresent(Bool.self, forKey: .requireForInternal) ?? d.requireForInternal
        validateWhenDialed = try c.decodeIfPresent(Bool.self, forKey: .validateWhenDialed) ?? d.validateWhenDialed
        proceedAfterMaxRetries = try c.decodeIfPresent(Bool.self, forKey: .proceedAfterMaxRetries) ?? d.proceedAfterMaxRetries
        callsRequiringCodes = try c.decodeIfPresent(Set<RequirableClass>.self, forKey: .callsRequiringCodes) ?? d.callsRequiringCodes
        collection = try c.decodeIfPresent(Collection.self, forKey: .collection) ?? d.collection
        entryTimeout = try c.decodeIfPresent(Int.self, forKey: .entryTimeout) ?? d.entryTimeout
        lockoutAfter = try c.decodeIfPresent(Int.self, forKey: .lockoutAfter) ?? d.lockoutAfter
        lockoutWindow = try c.decodeIfPresent(Int.self, forKey: .lockoutWindow) ?? d.lockoutWindow
        lockoutMinutes = try c.decodeIfPresent(Int.self, forKey: .lockoutMinutes) ?? d.lockoutMinutes
    }
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
    public var lockoutAfter: Int?
    public var lockoutWindow: Int?
    public var lockoutMinutes: Int?

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
    case lockoutAfter = "lockout-after"
    case lockoutWindow = "lockout-window"
    case lockoutMinutes = "lockout-minutes"
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
        if let value = overrides.lockoutAfter { settings.lockoutAfter = value; sources[.lockoutAfter] = source }
        if let value = overrides.lockoutWindow { settings.lockoutWindow = value; sources[.lockoutWindow] = source }
        if let value = overrides.lockoutMinutes { settings.lockoutMinutes = value; sources[.lockoutMinutes] = source }
    }
}
