/// Who asks, from where, about which call.
public struct CallQuery: Sendable {
    public var account: String
    public var user: String
    public var dialed: String
    /// The caller's channel (`SIP/trunk-0000002a`): its device is the lockout subject for callers
    /// who are not users.
    public var channel: String
    /// The PBX's address bytes for a FastAGI request; nil for the CLI, which the tenant rules do not apply to.
    public var source: [UInt8]?
    public var checksSource: Bool
    /// Seconds since 1970, for locks.
    public var now: Double

    public init(account: String, user: String, dialed: String, channel: String = "", now: Double) {
        self.account = account
        self.user = user
        self.dialed = dialed
        self.channel = channel
        self.source = nil
        self.checksSource = false
        self.now = now
    }

    /// A request from a PBX at `source` (nil when its address is unknown).
    public func from(_ source: [UInt8]?) -> CallQuery {
        var query = self
        query.source = source
        query.checksSource = true
        return query
    }
}

/// The stored facts a call's setup reads. A store answers them from its cache or its database;
/// the rules that join them live in `CallSetup.resolve`, once for every store.
public protocol CallFacts {
    /// The account as stored; nil when it does not exist.
    func account(_ id: String) throws -> Account?
    /// Every account's allowed sources.
    func sourceBindings() throws -> SourceBindings
    func user(account: String, extension: String) throws -> User?
    func group(account: String, name: String) throws -> SettingsGroup?
    /// Whether `number` is an extension of one of the account's users.
    func isExtension(account: String, number: String) throws -> Bool
    /// The subject's lock, current or past.
    func lock(account: String, subject: LockSubject) throws -> LockState?
}

/// Everything the rules need for one call, read in one go.
public struct CallSetup: Sendable, Equatable {
    public var account: Account
    public var admission: Admission
    /// `nil` when the caller is not a user of the account.
    public var user: User?
    /// The user's group, or the group unknown callers are treated as.
    public var group: SettingsGroup?
    public var caller: Caller
    public var callClass: CallClass
    public var effective: EffectiveSettings
    public var decision: CallDecision
    /// Whom incorrect entries count against; nil when the caller cannot be prompted.
    public var lockSubject: LockSubject?
    /// The subject's lock, current or past.
    public var lock: LockState?
    public var isLocked: Bool

    /// Whether the caller counts as having account codes on (the tag's rule).
    public var callerEnabled: Bool {
        switch caller {
        case .user(let enabled): enabled
        case .unknown(.group): true
        case .unknown(.refuse): false
        }
    }

    public var lockoutPolicy: LockoutPolicy { LockoutPolicy(settings: effective.settings) }
}

extension Admission {
    /// Whether a request for `account` (`stored`: as read, nil when missing) from the query's
    /// source may be served: the tenant rule, then the account's existence (`default` always exists).
    public static func resolve(account accountID: String, stored: Account?, source: [UInt8]?, checksSource: Bool,
                               facts: some CallFacts) throws -> Admission {
        var sourceAllowed = true
        if checksSource { sourceAllowed = try facts.sourceBindings().allows(source: source, account: accountID) }
        return check(sourceAllowed: sourceAllowed, accountKnown: stored != nil || accountID == Account.defaultID)
    }
}

extension CallSetup {
    /// Reads the account, the caller and their group, classifies the number and decides: the call
    /// path's rules, over any store's facts. The caller's lock is read only when the call would
    /// prompt and the lockout is on.
    public static func resolve(_ query: CallQuery, facts: some CallFacts) throws -> CallSetup {
        let accountID = query.account, ext = query.user
        let stored = try facts.account(accountID)
        let admission = try Admission.resolve(account: accountID, stored: stored, source: query.source,
                                              checksSource: query.checksSource, facts: facts)
        // A missing `default` behaves as a fresh account: account codes off.
        let account = stored ?? Account(id: accountID)
        let user = try facts.user(account: accountID, extension: ext)
        var caller = Caller.user(enabled: user?.enabled ?? false)
        var settingsGroup = try user?.group.flatMap { try facts.group(account: accountID, name: $0) }
        if user == nil {
            // Unknown callers treated as a group that has since been removed are refused.
            caller = .unknown(.refuse)
            if case .group(let name) = account.unknownCallers, let treatedAs = try facts.group(account: accountID, name: name) {
                caller = .unknown(account.unknownCallers)
                settingsGroup = treatedAs
            }
        }
        let classifier = CallClassifier(plan: account.plan)
        // A failed read counts as "not an extension" for this call only.
        let callClass = classifier.classify(query.dialed) { (try? facts.isExtension(account: accountID, number: $0)) ?? false }
        let effective = EffectiveSettings(account: account.defaults, group: settingsGroup?.overrides,
                                          groupPermission: settingsGroup?.permission, user: user?.overrides)
        var decision = admission.decision(for: callClass,
                                          otherwise: CallDecision.decide(callClass: callClass, settings: effective, caller: caller, account: account))
        let subject: LockSubject? = switch caller {
        case .user: .user(ext)
        case .unknown(.group): .device(LockSubject.device(ofChannel: query.channel))
        case .unknown(.refuse): nil
        }
        var lock: LockState?
        if case .prompt = decision, let subject, LockoutPolicy(settings: effective.settings).isOn {
            lock = try facts.lock(account: accountID, subject: subject)
        }
        let locked = lock?.isActive(at: query.now) ?? false
        decision = decision.lockedOut(locked)
        return CallSetup(account: account, admission: admission, user: user, group: settingsGroup, caller: caller, callClass: callClass,
                         effective: effective, decision: decision, lockSubject: subject, lock: lock, isLocked: locked)
    }
}
