import AccountCodes
import Foundation
import PostgresStore
import StoreCore
import TestSupport
import Testing

/// A server's copy of the settings follows changes made through another server by itself: codes
/// added, changed and removed (read back by what changed since its last reload), users, and locks.
@Suite(.enabled(if: TestPostgres.server != nil, "no PostgreSQL: set ACCTCODES_TEST_POSTGRES (.ci/run does)"))
struct PostgresMirrorTests {
    /// Waits for what the other server sees, without asking it to reload: the notification (or
    /// the poll) must bring it.
    func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("never saw: \(what)"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func anotherServersChangesReachTheMirrorByThemselves() async throws {
        let location = try await TestPostgres.freshDatabase()
        let a = try await PostgresStore.open(location, deadline: TestPostgres.deadline)
        let b = try await PostgresStore.open(location, deadline: TestPostgres.deadline)
        defer { Task { await a.close(); await b.close() } }
        var account = Account(id: "acme")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international]
        _ = try await a.saveAccount(account, enableAllUsers: false, audit: nil)
        for code in ["1111", "2222", "3333"] { try await a.addCode(AccountCode(accountID: "acme", code: code), audit: nil) }
        try await eventually("three codes on b") { try b.codeFacts(account: "acme", code: "3333") != nil }
        // Only what changed is read again; what did not change stays.
        try await a.removeCode(account: "acme", code: "1111", audit: nil)
        try await a.updateCode(AccountCode(accountID: "acme", code: "2222", active: false), audit: nil)
        try await eventually("1111 removed and 2222 inactive on b") {
            try b.codeFacts(account: "acme", code: "1111") == nil && b.codeFacts(account: "acme", code: "2222")?.active == false
        }
        #expect(try b.codeFacts(account: "acme", code: "3333")?.active == true)
        // A lock set through one server holds on the other's next call setup.
        var user = User(accountID: "acme", extensionNumber: "1001")
        user.enabled = true
        try await a.saveUser(user, create: true, audit: nil)
        let policy = LockoutPolicy(maxIncorrect: 1, window: 3600, firstLock: 1800)
        let now = Date().timeIntervalSince1970
        let lock = try await a.registerIncorrectEntry(account: "acme", subject: .user("1001"), policy: policy, now: now)
        #expect(lock != nil)
        try await eventually("the lock on b") { try b.mirrorLock(account: "acme") != nil }
        #expect(try await b.lock(account: "acme", subject: .user("1001")) == lock)
    }

    /// Lock reads from many calls at once go to the database in batches: each call still gets its
    /// own caller's lock, read after it asked (another server's lock a moment ago holds).
    @Test func concurrentLockReadsEachGetTheirOwnCallersLock() async throws {
        let location = try await TestPostgres.freshDatabase()
        let a = try await PostgresStore.open(location, deadline: TestPostgres.deadline)
        let b = try await PostgresStore.open(location, deadline: TestPostgres.deadline)
        defer { Task { await a.close(); await b.close() } }
        let policy = LockoutPolicy(maxIncorrect: 1, window: 3600, firstLock: 1800)
        let now = Date().timeIntervalSince1970
        var locks: [String: LockState] = [:]
        for n in stride(from: 0, to: 40, by: 2) {
            locks["\(1000 + n)"] = try await a.registerIncorrectEntry(account: "acme", subject: .user("\(1000 + n)"), policy: policy,
                                                                     now: now + Double(n))
        }
        let read = try await withThrowingTaskGroup(of: (String, LockState?).self) { group in
            for call in 0..<400 {
                let ext = "\(1000 + call % 40)"
                group.addTask { (ext, try await b.lock(account: "acme", subject: .user(ext))) }
            }
            return try await group.reduce(into: [(String, LockState?)]()) { $0.append($1) }
        }
        #expect(read.count == 400)
        for (ext, lock) in read { #expect(lock == locks[ext], "\(ext)") }
    }
}

extension PostgresStore {
    /// The mirror's lock, as a call's setup reads it.
    func mirrorLock(account: String) throws -> LockState? {
        var query = CallQuery(account: account, user: "1001", dialed: "011442079460000", now: Date().timeIntervalSince1970)
        query.channel = "SIP/1001-1"
        return try callSetup(query).lock
    }
}
