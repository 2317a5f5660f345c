import AccountCodes
import Foundation
import StoreCore
import Synchronization

/// The store in memory: the call path's ports (`CallStore`, `UsageStore`) over plain values, with
/// fault switches, so tests can break the store the way a real one breaks (its write lock held by
/// another process, a full disk, slow answers, failing reads) without damaging a file.
///
/// Two `MemoryStore`s made over one `Shared` see the same data, as two servers on one database
/// do, each with its own faults. Every operation runs under one lock: what a database does in a
/// transaction (count an incorrect entry and lock, apply a batch of usage operations) is atomic
/// here too. Dates are kept to the millisecond, as the SQLite store keeps them.
public final class MemoryStore: CallStore, UsageStore, Sendable {
    /// Ways to break the store; each may be switched on and off while it is in use.
    public struct Faults: Sendable, Equatable {
        /// Another process holds the write lock: every write fails with `.locked`.
        public var writeLockHeld = false
        /// Writes fail as on a full disk.
        public var diskFull = false
        /// Reads fail (a lost connection, a damaged file).
        public var failingReads = false
        /// Every operation first waits this long (a slow disk or a far database).
        public var delay: Duration?

        public init(writeLockHeld: Bool = false, diskFull: Bool = false, failingReads: Bool = false, delay: Duration? = nil) {
            self.writeLockHeld = writeLockHeld
            self.diskFull = diskFull
            self.failingReads = failingReads
            self.delay = delay
        }
    }

    /// The data, shared by every `MemoryStore` made over it.
    public final class Shared: Sendable {
        let state = Mutex(State())
        public init() {}
    }

    /// A row's key: its account and its name (an extension, a group, a code, a lock's subject).
    public struct Key: Hashable, Sendable {
        public var account: String
        public var name: String

        public init(account: String, name: String) {
            self.account = account
            self.name = name
        }
    }

    struct State {
        var accounts: [String: Account] = [:]
        var users: [Key: User] = [:]
        var groups: [Key: SettingsGroup] = [:]
        var codes: [Key: AccountCode] = [:]
        var locks: [Key: LockState] = [:]
        var failures: [(key: Key, at: Double)] = []
        var usage: [UsageEntry] = []
        var nextID: Int64 = 1
        var tokens: [StoredToken] = []
        var audit: [AuditRecord] = []
        var consoleSessions: [String: StoredConsoleSession] = [:]
        var signInFailures: [(address: String, at: Double)] = []
    }

    public let shared: Shared
    private let faultSwitches = Mutex(Faults())

    public init(shared: Shared = Shared()) {
        self.shared = shared
    }

    /// Another store over the same data: a second server on the same database.
    public func sibling() -> MemoryStore { MemoryStore(shared: shared) }

    /// A store whose reads fail is one that does not answer.
    public var isReachable: Bool { !faults.failingReads }

    public var faults: Faults {
        get { faultSwitches.withLock { $0 } }
        set { faultSwitches.withLock { $0 = newValue } }
    }

    // MARK: Faults

    func beforeRead() throws(StoreError) {
        let faults = self.faults
        if let delay = faults.delay { Thread.sleep(forTimeInterval: Self.seconds(delay)) }
        if faults.failingReads { throw .database("reads are failing (memory store fault)") }
    }

    private func beforeWrite() throws(StoreError) {
        let faults = self.faults
        if let delay = faults.delay { Thread.sleep(forTimeInterval: Self.seconds(delay)) }
        if faults.writeLockHeld { throw .locked }
        if faults.diskFull { throw .database("database or disk is full (memory store fault)") }
    }

    func beforeWriteAsync() async throws(StoreError) {
        if let delay = faults.delay { try? await Task.sleep(for: delay) }
        var faults = self.faults
        faults.delay = nil
        if faults.writeLockHeld { throw .locked }
        if faults.diskFull { throw .database("database or disk is full (memory store fault)") }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: CallStore

    public func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup {
        try beforeRead()
        let facts = Facts(state: shared.state.withLock { $0 })
        do { return try CallSetup.resolve(query, facts: facts) } catch { throw .database("\(error)") }
    }

    public func admission(account: String, source: [UInt8]?) throws(StoreError) -> Admission {
        try beforeRead()
        let facts = Facts(state: shared.state.withLock { $0 })
        do {
            return try Admission.resolve(account: account, stored: facts.state.accounts[account], source: source, checksSource: true,
                                         facts: facts)
        } catch { throw .database("\(error)") }
    }

    public func lock(account: String, subject: LockSubject) throws(StoreError) -> LockState? {
        try beforeRead()
        return shared.state.withLock { $0.locks[Key(account: account, name: subject.key)] }
    }

    public func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts? {
        try beforeRead()
        return shared.state.withLock { $0.codes[Key(account: account, name: code)]?.facts }
    }

    /// As the SQLite store does it in one transaction: forget entries older than a day, add this
    /// one, count the subject's since the policy's start, lock if the policy says so.
    public func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy,
                                       now: Double) async throws(StoreError) -> LockState? {
        guard policy.isOn else { return nil }
        try await beforeWriteAsync()
        let key = Key(account: account, name: subject.key)
        return shared.state.withLock { state in
            state.failures.removeAll { $0.at < now - 1440 * 60 }
            state.failures.append((key, now))
            let previous = state.locks[key]
            let since = policy.countingSince(now: now, previous: previous)
            let count = state.failures.count { $0.key == key && $0.at > (since.isFinite ? since : -1) }
            guard let lock = policy.lock(afterIncorrect: count, now: now, previous: previous) else { return nil }
            state.locks[key] = lock
            return lock
        }
    }

    // MARK: UsageStore

    @discardableResult
    public func applyUsage(_ operations: [UsageOperation], replaying: Bool) throws(StoreError) -> [UsageOperation.Applied] {
        try beforeWrite()
        return shared.state.withLock { state in
            // All or nothing, as a transaction: work on a copy, keep it at the end.
            var copy = state
            let applied = operations.map { copy.apply($0, replaying: replaying) }
            state = copy
            return applied
        }
    }

    // MARK: Contents

    /// Accounts' settings, codes and locks as plain values. The PostgreSQL adapter keeps its
    /// servers' copy of the call path's facts as one of these, and runs each admin change on a
    /// store made over the rows it read, so the rules a change obeys are written once, here.
    public struct Contents: Sendable, Equatable {
        public var accounts: [String: Account] = [:]
        public var groups: [Key: SettingsGroup] = [:]
        public var users: [Key: User] = [:]
        public var codes: [Key: AccountCode] = [:]
        public var locks: [Key: LockState] = [:]
        /// Audit records added since the contents were loaded (ids are local).
        public var audit: [AuditRecord] = []

        public init() {}
    }

    public convenience init(contents: Contents) {
        self.init()
        replace(accounts: [], with: contents)
    }

    /// What the store holds now, minus its tokens and usage log.
    public var contents: Contents {
        shared.state.withLock { state in
            var contents = Contents()
            contents.accounts = state.accounts
            contents.groups = state.groups
            contents.users = state.users
            contents.codes = state.codes
            contents.locks = state.locks
            contents.audit = state.audit
            return contents
        }
    }

    /// Replaces everything stored for `accounts` (and adds whatever else `contents` holds): a
    /// reload of the accounts one server learnt another changed.
    ///
    /// The codes of accounts in `keepingCodesOf` stay, less `removingCodes`, and `contents`' codes
    /// are added over them: a reload of only the codes that changed.
    public func replace(accounts: Set<String>, with contents: Contents, keepingCodesOf kept: Set<String> = [],
                        removingCodes removed: [Key] = []) {
        shared.state.withLock { state in
            if !accounts.isEmpty {
                state.accounts = state.accounts.filter { !accounts.contains($0.key) }
                state.groups = state.groups.filter { !accounts.contains($0.key.account) }
                state.users = state.users.filter { !accounts.contains($0.key.account) }
                state.locks = state.locks.filter { !accounts.contains($0.key.account) }
                let dropped = accounts.subtracting(kept)
                if !dropped.isEmpty { state.codes = state.codes.filter { !dropped.contains($0.key.account) } }
            }
            for key in removed { state.codes.removeValue(forKey: key) }
            state.accounts.merge(contents.accounts) { $1 }
            state.groups.merge(contents.groups) { $1 }
            state.users.merge(contents.users) { $1 }
            state.codes.merge(contents.codes) { $1 }
            state.locks.merge(contents.locks) { $1 }
        }
    }

    // MARK: Setting facts up (what the admin layer does on the SQLite store)

    public func put(_ account: Account) { shared.state.withLock { $0.accounts[account.id] = account } }
    public func put(_ user: User) { shared.state.withLock { $0.users[Key(account: user.accountID, name: user.extensionNumber)] = user } }
    public func put(_ group: SettingsGroup) { shared.state.withLock { $0.groups[Key(account: group.accountID, name: group.name)] = group } }
    public func put(_ code: AccountCode) { shared.state.withLock { $0.codes[Key(account: code.accountID, name: code.code)] = code } }
    public func removeUser(account: String, extension ext: String) {
        _ = shared.state.withLock { $0.users.removeValue(forKey: Key(account: account, name: ext)) }
    }
    public func setLock(account: String, subject: LockSubject, _ lock: LockState) {
        shared.state.withLock { $0.locks[Key(account: account, name: subject.key)] = lock }
    }
    public func unlock(account: String, subject: LockSubject) {
        let key = Key(account: account, name: subject.key)
        shared.state.withLock { state in
            state.locks.removeValue(forKey: key)
            state.failures.removeAll { $0.key == key }
        }
    }

    /// The account's usage log in the order `usage list` shows it (by start, then arrival).
    public func usage(account: String) -> [UsageEntry] {
        shared.state.withLock { state in
            state.usage.filter { $0.accountID == account }.sorted { ($0.startedAt, $0.id ?? 0) < ($1.startedAt, $1.id ?? 0) }
        }
    }
}

extension MemoryStore {
    /// The call path's facts from one snapshot of the state.
    struct Facts: CallFacts {
        let state: State
        var bindings: SourceBindings {
            SourceBindings(accounts: state.accounts.values.filter { !$0.allowedSources.isEmpty }.sorted { $0.id < $1.id }
                .map { (id: $0.id, allowedSources: $0.allowedSources) })
        }

        func account(_ id: String) throws -> Account? { state.accounts[id] }
        func sourceBindings() throws -> SourceBindings { bindings }
        func user(account: String, extension ext: String) throws -> User? { state.users[Key(account: account, name: ext)] }
        func group(account: String, name: String) throws -> SettingsGroup? { state.groups[Key(account: account, name: name)] }
        func isExtension(account: String, number: String) throws -> Bool { state.users[Key(account: account, name: number)] != nil }
        func lock(account: String, subject: LockSubject) throws -> LockState? { state.locks[Key(account: account, name: subject.key)] }
    }
}

extension MemoryStore.State {
    /// One usage-log operation, as the SQLite store applies it (see `UsageOperation`).
    mutating func apply(_ operation: UsageOperation, replaying: Bool) -> UsageOperation.Applied {
        switch operation {
        case .record(let entry):
            return insert(entry, once: replaying)
        case .tag(let request, let code):
            if let index = callIndex(of: request) {
                usage[index].tagCode = code
                usage[index].taggedAt = StorageDate.rounded(request.startedAt)
                return .updatedCall
            }
            var own = request
            own.route = "tag"
            own.tagCode = code
            own.taggedAt = request.startedAt
            return insert(own, once: replaying).missingCall
        case .hangup(let request), .farEnd(let request):
            if let index = callIndex(of: request), let ended = operation.ended(usage[index]) {
                usage[index] = ended
                return .updatedCall
            }
            var own = request
            own.route = "hangup"
            return insert(own, once: replaying).missingCall
        }
    }

    /// The call's own entry: the latest outbound or tag entry of its account, PBX and uniqueid.
    func callIndex(of request: UsageEntry) -> Int? {
        usage.lastIndex { $0.isSameCall(as: request) && ($0.route == "outbound" || $0.route == "tag") }
    }

    /// A replay, or a request asked again (`mayRepeat`), looks for the same request first, as the SQLite store does.
    mutating func insert(_ entry: UsageEntry, once: Bool) -> UsageOperation.Applied {
        var entry = entry
        entry.startedAt = StorageDate.rounded(entry.startedAt)
        entry.taggedAt = entry.taggedAt.map(StorageDate.rounded)
        entry.endedAt = entry.endedAt.map(StorageDate.rounded)
        if once || entry.mayRepeat, let index = usage.lastIndex(where: { $0.isSameRequest(as: entry) }) {
            return usage[index].takeOutcome(of: entry) ? .replacedAttempt : .alreadyThere
        }
        entry.id = nextID
        nextID += 1
        usage.append(entry)
        return .inserted
    }
}
