import AccountCodes
import StoreCore
import Synchronization

/// Decoded accounts, users, groups and locks, kept while the settings revision (bumped by triggers
/// on every account, group, user or lock change, from any process) stays the same. A call then
/// reads one number, or none (`RevisionWatch`), instead of their rows: the call setup read was
/// the largest store cost per call.
///
/// Entries are stored only under the revision read before they were fetched, and a newer
/// revision empties the cache: a value is never older than the revision it is kept under.
final class SettingsCache: Sendable {
    struct Key: Hashable, Sendable {
        var account: String
        var name: String
    }

    private struct State {
        var revision: Int64 = -1
        var accounts: [String: Account?] = [:]
        var users: [Key: User?] = [:]
        var groups: [Key: SettingsGroup?] = [:]
        var extensions: [Key: Bool] = [:]
        /// Locks by subject (nil: none), kept under the revision their changes bump too.
        var locks: [Key: LockState?] = [:]
        var bindings: SourceBindings?
        var entries: Int { accounts.count + users.count + groups.count + extensions.count + locks.count }
    }

    /// Bounds memory when callers present endless distinct caller IDs.
    static let maxEntries = 50_000
    private let state = Mutex(State())

    private enum Lookup<Value> {
        case hit(Value)
        case miss(storable: Bool)
    }

    func account(_ id: String, revision: Int64, fetch: () throws -> Account?) rethrows -> Account? {
        try cached(revision, get: { $0.accounts[id] }, set: { $0.accounts[id] = $1 }, fetch: fetch)
    }

    func user(_ key: Key, revision: Int64, fetch: () throws -> User?) rethrows -> User? {
        try cached(revision, get: { $0.users[key] }, set: { $0.users[key] = $1 }, fetch: fetch)
    }

    func group(_ key: Key, revision: Int64, fetch: () throws -> SettingsGroup?) rethrows -> SettingsGroup? {
        try cached(revision, get: { $0.groups[key] }, set: { $0.groups[key] = $1 }, fetch: fetch)
    }

    func isExtension(_ key: Key, revision: Int64, fetch: () throws -> Bool) rethrows -> Bool {
        try cached(revision, get: { $0.extensions[key] }, set: { $0.extensions[key] = $1 }, fetch: fetch)
    }

    func lock(_ key: Key, revision: Int64, fetch: () throws -> LockState?) rethrows -> LockState? {
        try cached(revision, get: { $0.locks[key] }, set: { $0.locks[key] = $1 }, fetch: fetch)
    }

    func bindings(revision: Int64, fetch: () throws -> SourceBindings) rethrows -> SourceBindings {
        try cached(revision, get: { $0.bindings }, set: { $0.bindings = $1 }, fetch: fetch)
    }

    private func cached<Value: Sendable>(
        _ revision: Int64, get: (inout State) -> Value?, set: (inout State, Value) -> Void, fetch: () throws -> Value
    ) rethrows -> Value {
        let lookup = state.withLock { state -> Lookup<Value> in
            if revision > state.revision { state = State(revision: revision) }
            guard state.revision == revision else { return .miss(storable: false) }
            if let value = get(&state) { return .hit(value) }
            return .miss(storable: true)
        }
        switch lookup {
        case .hit(let value):
            return value
        case .miss(let storable):
            let value = try fetch()
            if storable {
                state.withLock { state in
                    guard state.revision == revision else { return }
                    if state.entries >= Self.maxEntries { state = State(revision: revision) }
                    set(&state, value)
                }
            }
            return value
        }
    }
}
