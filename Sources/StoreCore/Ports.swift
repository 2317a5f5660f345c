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
    /// The subject's lock, current or past.
    func lock(account: String, subject: LockSubject) throws(StoreError) -> LockState?
    /// What the rules need of a code; nil when the account has no such code.
    func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts?
    /// Counts one incorrect entry against `subject` and returns the lock it set, if it set one.
    /// Exact across callers and processes: each entry is counted once.
    func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy,
                                now: Double) async throws(StoreError) -> LockState?
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
