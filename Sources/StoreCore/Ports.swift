import AccountCodes

/// The store as the call path sees it: facts for the rules, the caller's lock, and codes. Every
/// backend (SQLite, memory, and the next one) implements it and passes the conformance suite;
/// the rules that join the facts live in AccountCodes (`CallSetup.resolve`), not here.
///
/// Synchronous reads: on SQLite they take microseconds on the calling thread, and a hop to
/// another queue would cost more than the read (see `AcctcodesStore.callSetup`).
public protocol CallStore: Sendable {
    /// The call's setup: the rules over this store's facts.
    func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup
    /// Whether a request for `account` from `source` may be served (the hangup's only check).
    func admission(account: String, source: [UInt8]?) throws(StoreError) -> Admission
    /// The subject's lock, current or past, as the database has it now (a lock set by another
    /// server a moment ago counts): read when a code is checked.
    func lock(account: String, subject: LockSubject) async throws(StoreError) -> LockState?
    /// What the rules need of a code; nil when the account has no such code.
    func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts?
    /// Counts one incorrect entry against `subject` and returns the lock it set, if it set one.
    /// Exact across callers and processes: each entry is counted once.
    func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy,
                                now: Double) async throws(StoreError) -> LockState?
    /// Whether the store answers, as far as it knows without asking (no query): a server's
    /// readiness (`ping`, `GET /healthz`). An embedded store always does.
    var isReachable: Bool { get }
}

extension CallStore {
    public var isReachable: Bool { true }
}

/// The usage log as its writer, spool and drainer see it: one way in, used by all three.
public protocol UsageStore: Sendable {
    /// Applies operations in order, all or none (one transaction). `replaying`: they may have been
    /// applied already (from the spool); applying one twice changes nothing the second time.
    @discardableResult
    func applyUsage(_ operations: [UsageOperation], replaying: Bool) throws(StoreError) -> [UsageOperation.Applied]
}

/// What the call path needs of a store: both ports.
public typealias CallPathStore = CallStore & UsageStore

/// The store as the admin layer (CLI, HTTP API, console) sees it. Async over plain values, so a
/// backend may answer over the network; the access rules, the audit records' contents and the
/// settings rules are the admin layer's. A change and its audit record land together or not at all.
public protocol AdminStore: CallStore, ConsoleSessionStore {
    // Accounts
    /// The account as stored; nil when it does not exist.
    func account(_ id: String) async throws(StoreError) -> Account?
    /// The account, or `default` with its defaults before it was first saved.
    func accountOrDefault(_ id: String) async throws(StoreError) -> Account
    func accountIDs() async throws(StoreError) -> [String]
    func sourceBindings() async throws(StoreError) -> SourceBindings
    /// Creates or changes an account; returns how many users `enableAllUsers` enabled.
    func saveAccount(_ account: Account, enableAllUsers: Bool, audit: AuditRecord?) async throws(StoreError) -> Int

    // Groups and users
    func groups(account: String) async throws(StoreError) -> [SettingsGroup]
    func group(account: String, name: String) async throws(StoreError) -> SettingsGroup?
    func saveGroup(_ group: SettingsGroup, create: Bool, audit: AuditRecord?) async throws(StoreError)
    /// Returns how many users were in the group.
    func removeGroup(account: String, name: String, audit: AuditRecord?) async throws(StoreError) -> Int
    func users(account: String) async throws(StoreError) -> [User]
    func user(account: String, extension ext: String) async throws(StoreError) -> User?
    func saveUser(_ user: User, create: Bool, audit: AuditRecord?) async throws(StoreError)
    func removeUser(account: String, extension ext: String, audit: AuditRecord?) async throws(StoreError)
    /// All lines or none.
    func importUsers(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary
    func exportUsers(account: String) async throws(StoreError) -> String

    // Codes
    func code(account: String, code: String) async throws(StoreError) -> AccountCode?
    func codes(account: String, activeOnly: Bool, matching: String?, limit: Int?) async throws(StoreError) -> [AccountCode]
    func codeCount(account: String) async throws(StoreError) -> Int
    func addCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError)
    func updateCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError)
    func removeCode(account: String, code: String, audit: AuditRecord?) async throws(StoreError)
    /// All lines or none.
    func importCodes(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary
    func exportCodes(account: String) async throws(StoreError) -> String

    // Lockouts
    func lockouts(account: String, now: Double) async throws(StoreError) -> [Lockout]
    /// Lifts the lock and forgets the subject's incorrect entries; returns whether it was locked at `now`.
    func unlock(account: String, subject: LockSubject, now: Double, audit: AuditRecord?) async throws(StoreError) -> Bool

    // Tokens and the audit log
    func addToken(_ token: StoredToken, audit: AuditRecord?) async throws(StoreError)
    func token(hash: String) async throws(StoreError) -> StoredToken?
    func tokens() async throws(StoreError) -> [StoredToken]
    func revokeToken(id: String, audit: AuditRecord?) async throws(StoreError) -> Bool
    func audit(_ filter: AuditFilter) async throws(StoreError) -> [AuditRecord]

    // The usage log, read
    /// After `afterID` in arrival order.
    func usagePage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry]
    /// Before `beforeID`, newest first.
    func usagePageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry]
    /// A page of CSV lines, read and formatted off the caller's executor.
    func usageCSVPage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> CSVPage
    func usageTotals(_ filter: UsageFilter) async throws(StoreError) -> [CodeTotal]
    func usageDaily(_ filter: UsageFilter) async throws(StoreError) -> [DayTotal]
    /// Per billing code: its description, whether it is listed, its own billing terms, and how
    /// many calls had each number of billable seconds (bounded as totals bound them). The facts a
    /// billing report is made of (`BillingReport`); entries with no code are left out.
    func usageDurations(_ filter: UsageFilter) async throws(StoreError) -> [CodeDurations]
    /// Sets (or with nil removes) the correction of the account's entry `id`; returns the entry as
    /// it is now. `notFound` when the account has no such entry.
    func correctUsage(account: String, id: Int64, correction: UsageCorrection?, audit: AuditRecord?) async throws(StoreError) -> UsageEntry
    /// Which of `codes` are in the account's code list.
    func listedCodes(account: String, among codes: Set<String>) async throws(StoreError) -> Set<String>
}

/// A store that can read a page of the usage log's CSV on whatever thread calls it (SQLite, in
/// the process): the API runs its exports' pages on a low-priority thread of its own this way. A
/// network store has no such thread to spare and reads pages through `usageCSVPage` instead.
public protocol LocalPageReader: Sendable {
    func usageCSVPageHere(_ filter: UsageFilter, afterID: Int64?, limit: Int) throws(StoreError) -> CSVPage
}
