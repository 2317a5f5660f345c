import Admin
import Foundation
import StoreCore

/// Signed-in browsers, kept by the store: every server on a shared database knows a session any
/// of them started (a balancer may send a browser anywhere), and a restart signs nobody out. The
/// store keeps hashes of the session id and of the API token, never either itself; each request
/// is checked against the token as it is now, so a revoked token ends its sessions at once.
/// Sessions end after an hour idle or twelve hours in all.
struct ConsoleSessions: Sendable {
    struct Session: Sendable {
        /// The cookie's value.
        let id: String
        let tokenHash: String
        /// Sent in every form and compared on every change (with SameSite=Strict cookies).
        let csrf: String
    }

    static let idleLimit: TimeInterval = 3600
    static let lifetime: TimeInterval = 12 * 3600

    let store: any AdminStore

    func start(token: String, now: Date = Date()) async throws(StoreError) -> Session {
        let session = Session(id: Self.randomID(), tokenHash: TokenSecret.hash(token), csrf: Self.randomID())
        let at = now.timeIntervalSince1970
        try await store.startConsoleSession(
            StoredConsoleSession(idHash: TokenSecret.hash(session.id), tokenHash: session.tokenHash, csrf: session.csrf, started: at,
                                 lastSeen: at),
            forgettingSeenBefore: at - Self.idleLimit, startedBefore: at - Self.lifetime)
        return session
    }

    /// The live session with this id, its idle clock restarted; nil when there is none, it has
    /// expired, or the store cannot say.
    func session(_ id: String, now: Date = Date()) async -> Session? {
        let at = now.timeIntervalSince1970
        let idHash = TokenSecret.hash(id)
        guard let stored = try? await store.consoleSession(idHash: idHash, seenAt: at, activeSince: at - Self.idleLimit) else { return nil }
        if at - stored.started > Self.lifetime {
            await end(id)
            return nil
        }
        return Session(id: id, tokenHash: stored.tokenHash, csrf: stored.csrf)
    }

    func end(_ id: String) async {
        try? await store.endConsoleSession(idHash: TokenSecret.hash(id))
    }

    /// 32 random bytes, URL-safe base64.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Failed sign-ins per client address, counted by the store (so across servers): after `limit`
/// failures in `window`, that address is refused until the oldest of them is `window` old, so a
/// token cannot be guessed through the form, on one server or spread over several.
struct SignInLimiter: Sendable {
    let store: any AdminStore
    let limit: Int
    let window: TimeInterval

    init(store: any AdminStore, limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.store = store
        self.limit = limit
        self.window = window
    }

    /// Seconds until this address may try again, or nil when it may now. A store that cannot
    /// answer lets the attempt through: the token check that follows fails the same way.
    func retryAfter(_ address: String, now: Date = Date()) async -> Int? {
        let at = now.timeIntervalSince1970
        guard let failures = try? await store.signInFailures(address: address, since: at - window), failures.count >= limit,
              let oldest = failures.suffix(limit).first else { return nil }
        return max(1, Int((window - (at - oldest)).rounded(.up)))
    }

    func failed(_ address: String, now: Date = Date()) async {
        let at = now.timeIntervalSince1970
        try? await store.signInFailed(address: address, at: at, forgettingBefore: at - window)
    }

    func succeeded(_ address: String) async {
        try? await store.signInSucceeded(address: address)
    }
}
