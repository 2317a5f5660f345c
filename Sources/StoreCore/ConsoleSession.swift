/// A console sign-in as every store keeps it, shared by the servers on the store (a balancer may
/// send a browser's requests to any of them). Only hashes of the session id and of the API token
/// are kept: a copy of the database signs nobody in.
public struct StoredConsoleSession: Sendable, Equatable, Codable {
    /// SHA-256 of the session cookie's value.
    public var idHash: String
    /// The hash the API token is kept under (`StoredToken.hash`): each request is checked against
    /// the token as it is now, so a revoked token ends its sessions at once.
    public var tokenHash: String
    /// Sent in every form and compared on every change.
    public var csrf: String
    /// Seconds since 1970.
    public var started: Double
    public var lastSeen: Double

    public init(idHash: String, tokenHash: String, csrf: String, started: Double, lastSeen: Double) {
        self.idHash = idHash
        self.tokenHash = tokenHash
        self.csrf = csrf
        self.started = started
        self.lastSeen = lastSeen
    }
}

/// Console sign-ins and failed sign-ins, kept by the store so that every server shares them.
/// The rules (how long a session lasts, how many failures lock an address out) are the
/// console's; the store keeps facts and forgets what the caller says is old.
public protocol ConsoleSessionStore: Sendable {
    /// Keeps a new session; forgets sessions last seen before `seenBefore` or started before `startedBefore`.
    func startConsoleSession(_ session: StoredConsoleSession, forgettingSeenBefore seenBefore: Double,
                             startedBefore: Double) async throws(StoreError)
    /// The session if it was last seen at or after `activeSince` (else it has been idle too long),
    /// its last-seen time then set to `now`; nil when there is none.
    func consoleSession(idHash: String, seenAt now: Double, activeSince: Double) async throws(StoreError) -> StoredConsoleSession?
    func endConsoleSession(idHash: String) async throws(StoreError)
    /// Counts a failed sign-in from `address`; forgets every address's failures before `forgettingBefore`.
    func signInFailed(address: String, at: Double, forgettingBefore: Double) async throws(StoreError)
    /// The times of `address`'s failed sign-ins since `since`, oldest first.
    func signInFailures(address: String, since: Double) async throws(StoreError) -> [Double]
    /// Forgets `address`'s failed sign-ins (it signed in).
    func signInSucceeded(address: String) async throws(StoreError)
}
