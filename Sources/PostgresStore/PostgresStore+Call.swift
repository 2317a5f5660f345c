import AccountCodes
import Foundation
import PostgresNIO
import StoreCore

/// The call path: settings from the mirror (no round trip), locks and lockout counting from the database.
extension PostgresStore: CallStore {
    /// A server's store answers while its settings poll does (`SettingsSync.answers`).
    public var isReachable: Bool { !sync.isFollowing || sync.answers }

    public func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup { try mirror.callSetup(query) }

    public func admission(account: String, source: [UInt8]?) throws(StoreError) -> Admission {
        try mirror.admission(account: account, source: source)
    }

    public func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts? {
        try mirror.codeFacts(account: account, code: code)
    }

    /// The database's copy, not the mirror's: a lock set by another server a moment ago counts
    /// when a code is checked. While the database cannot answer, the mirror's: the locks known
    /// when it went away still hold, and those this server set since (see below).
    public func lock(account: String, subject: LockSubject) async throws(StoreError) -> LockState? {
        do {
            return try await lockReads.read(.init(account: account, subject: subject.key), in: self)
        } catch {
            outage.note(error, logger: logger)
            return try mirror.lock(account: account, subject: subject)
        }
    }

    /// One transaction under a lock on the subject: servers taking a robot's guesses at once count
    /// each once. A lock it sets bumps the account's revision, so every mirror has it at once.
    ///
    /// While the database cannot answer, this server counts the subject's incorrect entries on its
    /// own and locks it here: a robot then gets at most the policy's number of guesses on each
    /// server until the database is back (when the database's locks replace these).
    public func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy,
                                       now: Double) async throws(StoreError) -> LockState? {
        guard policy.isOn else { return nil }
        do {
            return try await registerInDatabase(account: account, subject: subject, policy: policy, now: now)
        } catch {
            outage.note(error, logger: logger)
            return try await mirror.registerIncorrectEntry(account: account, subject: subject, policy: policy, now: now)
        }
    }

    private func registerInDatabase(account: String, subject: LockSubject, policy: LockoutPolicy,
                                    now: Double) async throws(StoreError) -> LockState? {
        let key = subject.key
        let lock = try await transaction("counting an incorrect entry") { [logger] connection in
            try await Rows.lock(connection, "lockout:\(account)/\(key)", logger: logger)
            // Entries older than the longest window count for nothing.
            try await connection.query("""
                DELETE FROM entry_failure WHERE account_id = \(account) AND subject = \(key) AND at < \(now - 1440 * 60)
                """, logger: logger)
            try await connection.query("INSERT INTO entry_failure (account_id, subject, at) VALUES (\(account), \(key), \(now))", logger: logger)
            let previous = try await connection.query("""
                SELECT locked_at, until, strikes, count FROM lockout WHERE account_id = \(account) AND subject = \(key)
                """, logger: logger).decode((Double, Double, Int, Int).self).collect().first
                .map { LockState(lockedAt: $0.0, until: $0.1, strikes: $0.2, count: $0.3) }
            let since = policy.countingSince(now: now, previous: previous)
            let count = try await connection.query("""
                SELECT count(*) FROM entry_failure WHERE account_id = \(account) AND subject = \(key) AND at > \(since.isFinite ? since : -1)
                """, logger: logger).decode(Int.self).collect().first ?? 0
            guard let lock = policy.lock(afterIncorrect: count, now: now, previous: previous) else { return LockState?.none }
            try await connection.query("""
                INSERT INTO lockout (account_id, subject, locked_at, until, strikes, count)
                VALUES (\(account), \(key), \(lock.lockedAt), \(lock.until), \(lock.strikes), \(lock.count))
                ON CONFLICT (account_id, subject) DO UPDATE SET locked_at = EXCLUDED.locked_at, until = EXCLUDED.until,
                    strikes = EXCLUDED.strikes, count = EXCLUDED.count
                """, logger: logger)
            let revision = try await Rows.beginChange(connection, account: account, logger: logger)
            try await Rows.bump(connection, accounts: [account], revision: revision, logger: logger)
            return lock
        }
        if let lock { mirror.setLock(account: account, subject: subject, lock) }
        return lock
    }

    /// Incorrect entries older than any lockout window, and code tombstones older than a day
    /// (a server away longer reloads everything when it is back).
    func forgetOldEntries() async throws(StoreError) {
        let cutoff = Date().timeIntervalSince1970 - 1440 * 60
        try await timed("forgetting old entries") { [client, logger] in
            try await client.query("DELETE FROM entry_failure WHERE at < \(cutoff)", logger: logger)
            try await client.query("DELETE FROM code_removed WHERE removed_at < now() - interval '1 day'", logger: logger)
            return ()
        }
    }

    /// Reads the mirror's revisions again now (tests, and a server that wants to be current at once).
    public func refresh() async throws(StoreError) {
        try await sync.refresh(self)
    }
}
