import AccountCodes
import Dispatch
import Foundation
import MemoryStore
import PostgresStore
import Store
import StoreCore
import Synchronization
import TestSupport
import Testing

/// A store under test, with what the suite needs beyond the call path's ports: setting facts up
/// (the admin layer's job on a real install) and reading the usage log back.
protocol ConformingStore: CallPathStore {
    func seed(_ account: Account) async throws
    func seed(_ user: User) async throws
    func seed(_ group: SettingsGroup) async throws
    func seed(_ code: AccountCode) async throws
    func entries(account: String) async throws -> [UsageEntry]
    /// A second instance over the same data: a second server on the same database.
    func sibling() async throws -> any ConformingStore
}

extension UsageStore {
    /// Applies operations the way the usage log's writer and spool do: on a queue of their own,
    /// never on the cooperative pool (a network store's synchronous write waits there).
    func apply(_ operations: [UsageOperation], replaying: Bool) async throws -> [UsageOperation.Applied] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.applyUsage(operations, replaying: replaying) }) }
        }
    }
}

enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, memory, postgres

    var testDescription: String { rawValue }

    /// The backends this machine can run: PostgreSQL when `ACCTCODES_TEST_POSTGRES` names a
    /// server (`.ci/run` starts one); `PostgresAvailability` says so when it does not.
    static var available: [Backend] { TestPostgres.server == nil ? [.sqlite, .memory] : allCases }

    func make() async throws -> any ConformingStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString).sqlite").path
            return try AcctcodesStore(path: path)
        case .memory:
            return MemoryStore()
        case .postgres:
            return try await PostgresInstance(database: TestPostgres.freshDatabase())
        }
    }
}

/// A seed is seen by every instance on the file once `othersChangesSeenWithin` has passed (the
/// seeding one at once): the wait is the SQLite counterpart of PostgreSQL's refresh below.
extension AcctcodesStore: ConformingStore {
    func seed(_ account: Account) async throws {
        _ = try saveAccount(account)
        try await Task.sleep(for: Self.othersChangesSeenWithin * 2)
    }
    func seed(_ user: User) async throws {
        try saveUser(user, create: try await self.user(account: user.accountID, extension: user.extensionNumber) == nil)
        try await Task.sleep(for: Self.othersChangesSeenWithin * 2)
    }
    func seed(_ group: SettingsGroup) async throws {
        try saveGroup(group, create: try await self.group(account: group.accountID, name: group.name) == nil)
        try await Task.sleep(for: Self.othersChangesSeenWithin * 2)
    }
    func seed(_ code: AccountCode) async throws {
        try addCode(code)
        try await Task.sleep(for: Self.othersChangesSeenWithin * 2)
    }
    func entries(account: String) throws -> [UsageEntry] { try usage(UsageFilter(accountID: account)) }
    func sibling() throws -> any ConformingStore { try AcctcodesStore(path: path) }
}

extension MemoryStore: ConformingStore {
    func seed(_ account: Account) throws { put(account) }
    func seed(_ user: User) throws { put(user) }
    func seed(_ group: SettingsGroup) throws { put(group) }
    func seed(_ code: AccountCode) throws { put(code) }
    func entries(account: String) throws -> [UsageEntry] { usage(account: account) }
    func sibling() throws -> any ConformingStore { MemoryStore(shared: shared) }
}

/// PostgreSQL instances on one fresh database. A seed goes through the admin port, then every
/// instance re-reads its mirror: the suite checks what a server does with the facts it has, and
/// `TwoServerTests` checks separately that changes reach other servers by themselves.
final class PostgresInstance: ConformingStore {
    let store: PostgresStore
    let all: Instances

    final class Instances: Sendable {
        let stores = Mutex<[PostgresStore]>([])
        func refreshAll() async throws { for store in stores.withLock({ $0 }) { try await store.refresh() } }
    }

    init(database: PostgresLocation, all: Instances = Instances()) async throws {
        store = try await PostgresStore.open(database, deadline: TestPostgres.deadline)
        self.all = all
        all.stores.withLock { $0.append(store) }
    }

    func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup { try store.callSetup(query) }
    func admission(account: String, source: [UInt8]?) throws(StoreError) -> Admission { try store.admission(account: account, source: source) }
    func lock(account: String, subject: LockSubject) async throws(StoreError) -> LockState? { try await store.lock(account: account, subject: subject) }
    func codeFacts(account: String, code: String) throws(StoreError) -> CodeFacts? { try store.codeFacts(account: account, code: code) }
    func registerIncorrectEntry(account: String, subject: LockSubject, policy: LockoutPolicy, now: Double) async throws(StoreError) -> LockState? {
        try await store.registerIncorrectEntry(account: account, subject: subject, policy: policy, now: now)
    }
    func applyUsage(_ operations: [UsageOperation], replaying: Bool) throws(StoreError) -> [UsageOperation.Applied] {
        try store.applyUsage(operations, replaying: replaying)
    }

    func seed(_ account: Account) async throws {
        _ = try await store.saveAccount(account, enableAllUsers: false, audit: nil)
        try await all.refreshAll()
    }
    func seed(_ user: User) async throws {
        try await store.saveUser(user, create: try await store.user(account: user.accountID, extension: user.extensionNumber) == nil, audit: nil)
        try await all.refreshAll()
    }
    func seed(_ group: SettingsGroup) async throws {
        try await store.saveGroup(group, create: try await store.group(account: group.accountID, name: group.name) == nil, audit: nil)
        try await all.refreshAll()
    }
    func seed(_ code: AccountCode) async throws {
        try await store.addCode(code, audit: nil)
        try await all.refreshAll()
    }
    func entries(account: String) async throws -> [UsageEntry] {
        // In the order `usage list` shows them: by start, then arrival.
        try await store.usagePage(UsageFilter(accountID: account), afterID: nil, limit: 100_000)
            .sorted { ($0.startedAt, $0.id ?? 0) < ($1.startedAt, $1.id ?? 0) }
    }
    func sibling() async throws -> any ConformingStore { try await PostgresInstance(database: store.location, all: all) }
}

/// Says in the test report that the PostgreSQL cases did not run here, and why.
@Suite struct PostgresAvailability {
    @Test(.enabled(if: TestPostgres.server != nil, "no PostgreSQL: set ACCTCODES_TEST_POSTGRES=postgres://USER@HOST:PORT/DB (.ci/run does)"))
    func postgresCasesRunHere() async throws {
        let store = try await PostgresStore.open(try await TestPostgres.freshDatabase(), deadline: TestPostgres.deadline)
        await store.close()
    }
}
