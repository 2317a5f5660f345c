import AccountCodes
import Foundation
internal import GRDB
import StoreCore

extension AcctcodesStore {
    /// The setup of one call: the rules (`CallSetup.resolve`, in AccountCodes) over this store's
    /// facts. Runs on the calling thread: these reads take microseconds and never wait on a writer
    /// (WAL), so a hop to GRDB's reader queue would cost more than the read. Usually everything,
    /// the caller's lock included, comes from `SettingsCache`, checked against the settings
    /// revision: read once (one row), or under load not at all (`RevisionWatch`). The reads run
    /// without a transaction: an admin change landing between them can at worst pair a user with a
    /// group just removed, which reads as no group.
    public func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup {
        do {
            return try CallSetup.resolve(query, facts: try cachedFacts())
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
            let facts = try cachedFacts()
            return try Admission.resolve(account: account, stored: try facts.account(account), source: source, checksSource: true,
                                         facts: facts)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// This store's facts as of the settings revision now (see `RevisionWatch`).
    func cachedFacts() throws -> CachedFacts {
        CachedFacts(revision: try settingsRevision(), cache: settingsCache, readers: threadReaders)
    }

    /// The number the triggers bump on every settings or lock change (no row: 0), read by calls
    /// (`CallReader`) and inside the usage log's commits (`applyUsage`).
    static let settingsRevisionSQL = "SELECT revision FROM settings_revision WHERE id = 1"

    /// The revision a reading younger than `RevisionWatch.freshness` gives, else one read now.
    func settingsRevision() throws -> Int64 {
        if let fresh = revisionWatch.fresh() { return fresh }
        let token = revisionWatch.token()
        let revision = try threadReaders.call { try $0.settingsRevision() }
        revisionWatch.publish(revision, token)
        return revision
    }
}

/// The call path's facts from the settings cache, read from SQLite on a miss (a miss of the
/// revision read at the call's start: any change since bumps it and empties the cache).
struct CachedFacts: CallFacts {
    let revision: Int64
    let cache: SettingsCache
    let readers: ThreadReaders

    func account(_ id: String) throws -> Account? {
        try cache.account(id, revision: revision) { try readers.read { try AcctcodesStore.fetchAccount($0, id) } }
    }

    func sourceBindings() throws -> SourceBindings {
        try cache.bindings(revision: revision) { try readers.read(AcctcodesStore.fetchSourceBindings) }
    }

    func user(account: String, extension ext: String) throws -> User? {
        try cache.user(.init(account: account, name: ext), revision: revision) { try readers.read { try AcctcodesStore.fetchUser($0, account, ext) } }
    }

    func group(account: String, name: String) throws -> SettingsGroup? {
        try cache.group(.init(account: account, name: name), revision: revision) {
            try readers.read { try AcctcodesStore.fetchGroup($0, account, name) }
        }
    }

    /// A failed read is not cached: it counts as "not an extension" for that call only.
    func isExtension(account: String, number: String) throws -> Bool {
        try cache.isExtension(.init(account: account, name: number), revision: revision) {
            try readers.read { try AcctcodesStore.isExtension($0, account, number) }
        }
    }

    /// Locks bump the revision too (migration v10), so they are kept beside the settings.
    func lock(account: String, subject: LockSubject) throws -> LockState? {
        try cache.lock(.init(account: account, name: subject.key), revision: revision) {
            try readers.call { try $0.lock(account: account, subject: subject.key) }
        }
    }
}
