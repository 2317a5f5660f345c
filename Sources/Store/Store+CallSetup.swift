import AccountCodes
import GRDB

/// Everything the rules need for one call, read in one transaction.
public struct CallSetup: Sendable, Equatable {
    public var account: Account
    /// `nil` when the caller is not a user of the account (treated as not enabled).
    public var user: User?
    public var group: SettingsGroup?
    public var callClass: CallClass
    public var effective: EffectiveSettings
    public var decision: CallDecision
}

extension AcctcodesStore {
    /// Reads the account, the caller and their group, classifies the number and decides.
    /// A missing account behaves as a fresh one: account codes off.
    /// Runs on the calling thread: these reads take microseconds and never wait on a writer (WAL),
    /// so a hop to GRDB's reader queue would cost more than the read. Usually they are one read of
    /// the settings revision, the rest coming from `SettingsCache`. They run without a
    /// transaction: an admin change landing between them can at worst pair a user with a group
    /// just removed, which reads as no group.
    public func callSetup(account accountID: String, user ext: String, dialed: String) throws(StoreError) -> CallSetup {
        do {
            let revision = try threadReaders.call { try $0.settingsRevision() }
            return try Self.callSetup(accountID, ext, dialed, revision: revision, cache: settingsCache, readers: threadReaders)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    static func callSetup(_ accountID: String, _ ext: String, _ dialed: String, revision: Int64, cache: SettingsCache,
                          readers: ThreadReaders) throws -> CallSetup {
        // Reads on a cache miss only.
        func fetch<T>(_ body: (GRDB.Database) throws -> T) throws -> T { try readers.read(body) }
        let account = try cache.account(accountID, revision: revision) { try fetch { try fetchAccount($0, accountID) } }
            ?? Account(id: accountID)
        let user = try cache.user(.init(account: accountID, name: ext), revision: revision) { try fetch { try fetchUser($0, accountID, ext) } }
        let group = try user?.group.flatMap { name in
            try cache.group(.init(account: accountID, name: name), revision: revision) { try fetch { try fetchGroup($0, accountID, name) } }
        }
        let classifier = CallClassifier(plan: account.plan)
        let callClass = classifier.classify(dialed) { number in
            // A failed read counts as "not an extension" for this call only: it is not cached.
            (try? cache.isExtension(.init(account: accountID, name: number), revision: revision) {
                try fetch { try isExtension($0, accountID, number) }
            }) ?? false
        }
        let effective = EffectiveSettings(account: account.defaults, group: group?.overrides, groupPermission: group?.permission,
                                          user: user?.overrides)
        let decision = CallDecision.decide(callClass: callClass, settings: effective, userEnabled: user?.enabled ?? false,
                                           account: account)
        return CallSetup(account: account, user: user, group: group, callClass: callClass, effective: effective, decision: decision)
    }
}
