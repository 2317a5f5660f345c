import AccountCodes
import Foundation
import GRDB

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

extension AcctcodesStore {
    /// Reads the account, the caller and their group, classifies the number and decides.
    /// Runs on the calling thread: these reads take microseconds and never wait on a writer (WAL),
    /// so a hop to GRDB's reader queue would cost more than the read. Usually they are one read of
    /// the settings revision, the rest coming from `SettingsCache`, plus the caller's lock when
    /// the call would prompt. They run without a transaction: an admin change landing between
    /// them can at worst pair a user with a group just removed, which reads as no group.
    public func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup {
        do {
            let revision = try threadReaders.call { try $0.settingsRevision() }
            return try Self.callSetup(query, revision: revision, cache: settingsCache, readers: threadReaders)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// The setup of a call asked now, with no source to check (the CLI's view).
    public func callSetup(account: String, user: String, dialed: String) throws(StoreError) -> CallSetup {
        try callSetup(CallQuery(account: account, user: user, dialed: dialed, now: Date().timeIntervalSince1970))
    }

    /// Whether a request for `account` from `source` may be served (the hangup's only check).
    public func admission(account: String, source: [UInt8]?) throws(StoreError) -> Admission {
        do {
            let revision = try threadReaders.call { try $0.settingsRevision() }
            return try Self.admission(account, source, checksSource: true, revision: revision, cache: settingsCache, readers: threadReaders)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    static func admission(_ accountID: String, _ source: [UInt8]?, checksSource: Bool, revision: Int64, cache: SettingsCache,
                          readers: ThreadReaders) throws -> Admission {
        let stored = try cache.account(accountID, revision: revision) { try readers.read { try fetchAccount($0, accountID) } }
        return try admission(accountID, stored: stored, source, checksSource: checksSource, revision: revision, cache: cache,
                             readers: readers)
    }

    /// The admission of a request whose account (`stored`, nil if missing) was already read.
    static func admission(_ accountID: String, stored: Account?, _ source: [UInt8]?, checksSource: Bool, revision: Int64,
                          cache: SettingsCache, readers: ThreadReaders) throws -> Admission {
        var sourceAllowed = true
        if checksSource {
            let bindings = try cache.bindings(revision: revision) { try readers.read(fetchSourceBindings) }
            sourceAllowed = bindings.allows(source: source, account: accountID)
        }
        return Admission.check(sourceAllowed: sourceAllowed, accountKnown: stored != nil || accountID == Account.defaultID)
    }

    static func callSetup(_ query: CallQuery, revision: Int64, cache: SettingsCache, readers: ThreadReaders) throws -> CallSetup {
        let accountID = query.account, ext = query.user
        // Reads on a cache miss only.
        func fetch<T>(_ body: (GRDB.Database) throws -> T) throws -> T { try readers.read(body) }
        func group(_ name: String) throws -> SettingsGroup? {
            try cache.group(.init(account: accountID, name: name), revision: revision) { try fetch { try fetchGroup($0, accountID, name) } }
        }
        let stored = try cache.account(accountID, revision: revision) { try fetch { try fetchAccount($0, accountID) } }
        let admission = try admission(accountID, stored: stored, query.source, checksSource: query.checksSource, revision: revision,
                                      cache: cache, readers: readers)
        // A missing `default` behaves as a fresh account: account codes off.
        let account = stored ?? Account(id: accountID)
        let user = try cache.user(.init(account: accountID, name: ext), revision: revision) { try fetch { try fetchUser($0, accountID, ext) } }
        var caller = Caller.user(enabled: user?.enabled ?? false)
        var settingsGroup = try user?.group.flatMap(group)
        if user == nil {
            // Unknown callers treated as a group that has since been removed are refused.
            caller = .unknown(.refuse)
            if case .group(let name) = account.unknownCallers, let treatedAs = try group(name) {
                caller = .unknown(account.unknownCallers)
                settingsGroup = treatedAs
            }
        }
        let classifier = CallClassifier(plan: account.plan)
        let callClass = classifier.classify(query.dialed) { number in
            // A failed read counts as "not an extension" for this call only: it is not cached.
            (try? cache.isExtension(.init(account: accountID, name: number), revision: revision) {
                try fetch { try isExtension($0, accountID, number) }
            }) ?? false
        }
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
            lock = try readers.call { try $0.lock(account: accountID, subject: subject.key) }
        }
        let locked = lock?.isActive(at: query.now) ?? false
        decision = decision.lockedOut(locked)
        return CallSetup(account: account, admission: admission, user: user, group: settingsGroup, caller: caller, callClass: callClass,
                         effective: effective, decision: decision, lockSubject: subject, lock: lock, isLocked: locked)
    }
}
