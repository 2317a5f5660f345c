import AccountCodes
import Foundation
internal import GRDB
import StoreCore

/// Incorrect entries and locks. The facts live here; `LockoutPolicy` decides.
extension AcctcodesStore {
    /// The subject's lock, current or past: from the settings cache while the revision stands,
    /// else a read on the calling thread (the server's event loop).
    public func lock(account: String, subject: LockSubject) throws(StoreError) -> LockState? {
        do { return try cachedFacts().lock(account: account, subject: subject) } catch { throw StoreError.wrap(error) }
    }

    /// Records an incorrect entry at `now` (seconds since 1970) and, in the same transaction,
    /// counts the subject's entries since `policy.countingSince` and locks it if the policy says
    /// so. Returns the new lock, nil if none. One transaction, so servers sharing the store count
    /// every entry exactly once.
    public func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy,
                                       now: Double) async throws(StoreError) -> LockState? {
        guard policy.isOn else { return nil }
        return try await asyncWrite { db in try Self.registerIncorrectEntry(db, account, subject.key, policy, now) }
    }

    static func registerIncorrectEntry(_ db: GRDB.Database, _ account: String, _ subject: String, _ policy: LockoutPolicy,
                                       _ now: Double) throws -> LockState? {
        // Entries older than the longest window count for nothing.
        try db.cachedStatement(sql: "DELETE FROM entry_failure WHERE at < ?").execute(arguments: [now - 1440 * 60])
        try db.cachedStatement(sql: "INSERT INTO entry_failure (account_id, subject, at) VALUES (?, ?, ?)")
            .execute(arguments: [account, subject, now])
        let previous = try fetchLock(db, account, subject)
        let since = policy.countingSince(now: now, previous: previous)
        let count = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM entry_failure WHERE account_id = ? AND subject = ? AND at > ?
            """), arguments: [account, subject, since.isFinite ? since : -1]) ?? 0
        guard let lock = policy.lock(afterIncorrect: count, now: now, previous: previous) else { return nil }
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO lockout (account_id, subject, locked_at, until, strikes, count) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [account, subject, lock.lockedAt, lock.until, lock.strikes, lock.count])
        return lock
    }

    static func fetchLock(_ db: GRDB.Database, _ account: String, _ subject: String) throws -> LockState? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM lockout WHERE account_id = ? AND subject = ?"),
                         arguments: [account, subject]).map(decodeLock)
    }

    static func decodeLock(_ row: Row) -> LockState {
        LockState(lockedAt: row["locked_at"], until: row["until"], strikes: row["strikes"], count: row["count"])
    }

    /// Lifts the subject's lock and forgets its incorrect entries and past locks. Returns whether
    /// it was locked at `now`.
    @discardableResult
    public func unlock(account: String, subject: LockSubject, now: Double, audit: AuditRecord? = nil) throws(StoreError) -> Bool {
        try write(audit: audit) { db in
            let wasLocked = try Self.fetchLock(db, account, subject.key)?.isActive(at: now) ?? false
            try db.execute(sql: "DELETE FROM lockout WHERE account_id = ? AND subject = ?", arguments: [account, subject.key])
            try db.execute(sql: "DELETE FROM entry_failure WHERE account_id = ? AND subject = ?", arguments: [account, subject.key])
            return wasLocked
        }
    }

    /// The account's subjects locked at `now`, soonest to end first.
    public func lockouts(account: String, now: Double) throws(StoreError) -> [Lockout] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lockout WHERE account_id = ? AND until > ? ORDER BY until, subject",
                             arguments: [account, now])
                .map { Lockout(accountID: $0["account_id"], subject: $0["subject"], state: Self.decodeLock($0)) }
        }
    }
}
