import Foundation
import Synchronization

/// Signed-in browsers. A session keeps the API token its user signed in with (in memory only),
/// so each request is checked against the token as it is now: a revoked token ends its sessions
/// at once. Sessions end after an hour idle or twelve hours in all, and with the server.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        let id: String
        let token: String
        /// Sent in every form and compared on every change (with SameSite=Strict cookies).
        let csrf: String
        let started: Date
        var lastSeen: Date
    }

    static let idleLimit: TimeInterval = 3600
    static let lifetime: TimeInterval = 12 * 3600
    /// Beyond this many, the least recently seen session is dropped.
    static let capacity = 10_000

    private let sessions = Mutex<[String: Session]>([:])

    func start(token: String, now: Date = Date()) -> Session {
        let session = Session(id: Self.randomID(), token: token, csrf: Self.randomID(), started: now, lastSeen: now)
        sessions.withLock { all in
            if all.count >= Self.capacity {
                all = all.filter { !Self.expired($0.value, now: now) }
                if all.count >= Self.capacity, let oldest = all.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                    all.removeValue(forKey: oldest.id)
                }
            }
            all[session.id] = session
        }
        return session
    }

    /// The live session with this id, its idle clock restarted.
    func session(_ id: String, now: Date = Date()) -> Session? {
        sessions.withLock { all in
            guard var session = all[id] else { return nil }
            if Self.expired(session, now: now) {
                all.removeValue(forKey: id)
                return nil
            }
            session.lastSeen = now
            all[id] = session
            return session
        }
    }

    func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    private static func expired(_ session: Session, now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) > idleLimit || now.timeIntervalSince(session.started) > lifetime
    }

    /// 32 random bytes, URL-safe base64.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Failed sign-ins per client address: after `limit` failures in `window`, that address is
/// refused until the window has passed, so a token cannot be guessed through the form.
final class SignInLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: (count: Int, since: Date)]>([:])
    /// Addresses remembered at most: a flood of addresses cannot grow memory without bound.
    static let capacity = 10_000

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until this address may try again, or nil when it may now.
    func retryAfter(_ address: String, now: Date = Date()) -> Int? {
        failures.withLock { all in
            guard let entry = all[address] else { return nil }
            let age = now.timeIntervalSince(entry.since)
            if age > window { all.removeValue(forKey: address); return nil }
            return entry.count >= limit ? max(1, Int((window - age).rounded(.up))) : nil
        }
    }

    func failed(_ address: String, now: Date = Date()) {
        failures.withLock { all in
            if all.count >= Self.capacity { all = all.filter { now.timeIntervalSince($0.value.since) <= window } }
            if all.count >= Self.capacity, all[address] == nil,
               let oldest = all.min(by: { $0.value.since < $1.value.since }) {
                all.removeValue(forKey: oldest.key)
            }
            if let entry = all[address], now.timeIntervalSince(entry.since) <= window {
                all[address] = (entry.count + 1, entry.since)
            } else {
                all[address] = (1, now)
            }
        }
    }

    func succeeded(_ address: String) {
        _ = failures.withLock { $0.removeValue(forKey: address) }
    }
}
