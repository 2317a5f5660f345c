import AccountCodes
import Foundation
import MemoryStore
import PostgresStore
import Store
import StoreCore
import TestSupport
import Testing

/// What every store's admin port must do, through the port alone (`any AdminStore`), on SQLite
/// in memory and on PostgreSQL; the next backend adds its case to `AdminBackend`.
@Suite struct AdminStoreConformanceTests {
    enum AdminBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case sqlite, memory, postgres
        var testDescription: String { rawValue }

        static var available: [AdminBackend] { TestPostgres.server == nil ? [.sqlite, .memory] : allCases }

        func make() async throws -> any AdminStore {
            switch self {
            case .sqlite:
                try AcctcodesStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("admin-\(UUID().uuidString).sqlite").path)
            case .memory:
                MemoryStore()
            case .postgres:
                try await PostgresStore.open(try await TestPostgres.freshDatabase(), deadline: TestPostgres.deadline)
            }
        }
    }

    @Test(arguments: AdminBackend.available)
    func consoleSessionsAndFailedSignInsAreKeptAndForgotten(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        let t0 = 1_800_000_000.0
        let first = StoredConsoleSession(idHash: "h1", tokenHash: "t1", csrf: "c1", started: t0, lastSeen: t0)
        try await store.startConsoleSession(first, forgettingSeenBefore: t0 - 3600, startedBefore: t0 - 43_200)
        // Seen within the idle limit: returned, and its idle clock restarted.
        let seen = try await store.consoleSession(idHash: "h1", seenAt: t0 + 100, activeSince: t0 + 100 - 3600)
        #expect(seen?.tokenHash == "t1" && seen?.csrf == "c1" && seen?.started == t0 && seen?.lastSeen == t0 + 100)
        #expect(try await store.consoleSession(idHash: "h1", seenAt: t0 + 3000, activeSince: t0 + 3000 - 3600) != nil)
        // Idle too long: not returned, and not revived.
        #expect(try await store.consoleSession(idHash: "h1", seenAt: t0 + 9000, activeSince: t0 + 9000 - 3600) == nil)
        #expect(try await store.consoleSession(idHash: "nope", seenAt: t0, activeSince: 0) == nil)
        // A new session forgets the stale ones; an ended one is gone.
        let second = StoredConsoleSession(idHash: "h2", tokenHash: "t2", csrf: "c2", started: t0 + 9000, lastSeen: t0 + 9000)
        try await store.startConsoleSession(second, forgettingSeenBefore: t0 + 9000 - 3600, startedBefore: t0 + 9000 - 43_200)
        #expect(try await store.consoleSession(idHash: "h1", seenAt: t0 + 9000, activeSince: 0) == nil)
        #expect(try await store.consoleSession(idHash: "h2", seenAt: t0 + 9001, activeSince: 0)?.csrf == "c2")
        try await store.endConsoleSession(idHash: "h2")
        #expect(try await store.consoleSession(idHash: "h2", seenAt: t0 + 9002, activeSince: 0) == nil)

        for n in 0..<3 { try await store.signInFailed(address: "198.51.100.7", at: t0 + Double(n), forgettingBefore: t0 - 900) }
        try await store.signInFailed(address: "203.0.113.9", at: t0 + 5, forgettingBefore: t0 - 900)
        #expect(try await store.signInFailures(address: "198.51.100.7", since: t0 - 900) == [t0, t0 + 1, t0 + 2])
        #expect(try await store.signInFailures(address: "198.51.100.7", since: t0 + 1) == [t0 + 1, t0 + 2])
        try await store.signInSucceeded(address: "198.51.100.7")
        #expect(try await store.signInFailures(address: "198.51.100.7", since: 0).isEmpty)
        // Old failures of every address are forgotten as new ones come.
        try await store.signInFailed(address: "198.51.100.7", at: t0 + 2000, forgettingBefore: t0 + 2000 - 900)
        #expect(try await store.signInFailures(address: "203.0.113.9", since: 0).isEmpty)
    }

    static func account() -> Account {
        var account = Account(id: "acme")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        return account
    }

    static func audit(_ action: String) -> AuditRecord {
        AuditRecord(actor: "test", accountID: "acme", action: action, target: action)
    }

    @Test(arguments: AdminBackend.available)
    func theSettingsRulesHoldAgainstWhatIsStored(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        _ = try await store.saveAccount(Self.account(), enableAllUsers: false, audit: Self.audit("account.save"))
        var changed = Self.account()
        changed.codeLength = 5
        await #expect(throws: StoreError.rule(.codeLengthLocked(current: 4))) {
            _ = try await store.saveAccount(changed, enableAllUsers: false, audit: Self.audit("account.save"))
        }
        changed = Self.account()
        changed.defaults.validateWhenDialed = true
        await #expect(throws: StoreError.rule(.validationWithoutCodes)) {
            _ = try await store.saveAccount(changed, enableAllUsers: false, audit: nil)
        }
        await #expect(throws: StoreError.rule(.badCode("123", expectedLength: 4))) {
            try await store.addCode(AccountCode(accountID: "acme", code: "123"), audit: nil)
        }
        try await store.addCode(AccountCode(accountID: "acme", code: "1234", description: "Smith"), audit: Self.audit("code.add"))
        await #expect(throws: StoreError.alreadyExists("code 1234")) {
            try await store.addCode(AccountCode(accountID: "acme", code: "1234"), audit: nil)
        }
        _ = try await store.saveAccount(changed, enableAllUsers: false, audit: nil)
        // The last code cannot go while validation needs one; a refused change leaves no audit record.
        await #expect(throws: StoreError.rule(.validationWithoutCodes)) {
            try await store.removeCode(account: "acme", code: "1234", audit: Self.audit("code.remove"))
        }
        #expect(try await store.code(account: "acme", code: "1234")?.description == "Smith")
        let actions = try await store.audit(AuditFilter(accountID: "acme")).map(\.action)
        #expect(actions == ["code.add", "account.save"], "\(actions)")
    }

    @Test(arguments: AdminBackend.available)
    func importsAreAllOrNothingAgainstTheStore(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        _ = try await store.saveAccount(Self.account(), enableAllUsers: false, audit: nil)
        var limited = AccountCode(accountID: "acme", code: "1234", description: "old")
        limited.users = ["1001"]
        try await store.addCode(limited, audit: nil)
        await #expect(throws: StoreError.importRejected(["line 3: code \"12\" must be exactly 4 digits"])) {
            _ = try await store.importCodes(account: "acme", csv: "code,description,active\n5678,new,1\n12,short,1\n", audit: nil)
        }
        #expect(try await store.codeCount(account: "acme") == 1)
        let summary = try await store.importCodes(account: "acme", csv: "code,description,active\n1234,renamed,1\n5678,new,1\n",
                                                  audit: Self.audit("code.import"))
        #expect(summary == ImportSummary(added: 1, updated: 1))
        let kept = try await store.code(account: "acme", code: "1234")
        #expect(kept?.description == "renamed" && kept?.users == ["1001"], "a short file keeps the stored limits")
        await #expect(throws: StoreError.importRejected(["line 2: group \"sales\" does not exist (acctcodes group add sales)"])) {
            _ = try await store.importUsers(account: "acme", csv: "extension,name,group,enabled\n1001,Ann,sales,1\n", audit: nil)
        }
        try await store.saveGroup(SettingsGroup(accountID: "acme", name: "sales"), create: true, audit: nil)
        #expect(try await store.importUsers(account: "acme", csv: "extension,name,group,enabled\n1001,Ann,sales,1\n", audit: nil)
            == ImportSummary(added: 1, updated: 0))
        #expect(try await store.user(account: "acme", extension: "1001")?.group == "sales")
        // Removing the group takes its users out of it.
        #expect(try await store.removeGroup(account: "acme", name: "sales", audit: nil) == 1)
        #expect(try await store.user(account: "acme", extension: "1001")?.group == nil)
    }

    @Test(arguments: AdminBackend.available)
    func tokensAreFoundByHashUntilRevoked(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        let token = StoredToken(id: "abc123", name: "portal", role: "account-admin", accountID: "acme", hash: "h-1")
        try await store.addToken(token, audit: nil)
        #expect(try await store.token(hash: "h-1")?.id == "abc123")
        #expect(try await store.token(hash: "h-2") == nil)
        #expect(try await store.revokeToken(id: "abc123", audit: nil))
        #expect(try await store.revokeToken(id: "abc123", audit: nil) == false)
        #expect(try await store.token(hash: "h-1") == nil, "a revoked token is not found")
        await #expect(throws: StoreError.notFound("token \"nope\"")) { _ = try await store.revokeToken(id: "nope", audit: nil) }
        #expect(try await store.tokens().first?.revokedAt != nil)
    }

    @Test(arguments: AdminBackend.available)
    func theUsageLogReadsBothWaysWithItsTotals(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        _ = try await store.saveAccount(Self.account(), enableAllUsers: false, audit: nil)
        try await store.addCode(AccountCode(accountID: "acme", code: "1234", description: "Smith"), audit: nil)
        guard let usage = store as? any UsageStore else { Issue.record("an admin store that is not a usage store"); return }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let operations = (1...5).map { i in
            UsageOperation.record(entry: UsageEntry(startedAt: start.addingTimeInterval(Double(i)), route: "outbound", accountID: "acme",
                                                    user: "1001", callerID: "1001", dialed: "011442079460000", callClass: "international",
                                                    asked: "required", incorrectEntries: 0, result: "ACCEPTED", reason: "code-accepted",
                                                    code: i == 5 ? "9999" : "1234", uniqueID: "u\(i)", linkedID: "u\(i)", channel: "SIP/1001-1"))
        }
        _ = try await usage.apply(operations, replaying: false)
        let filter = UsageFilter(accountID: "acme")
        let oldest = try await store.usagePage(filter, afterID: nil, limit: 2)
        #expect(oldest.map(\.uniqueID) == ["u1", "u2"])
        let newest = try await store.usagePageNewestFirst(filter, beforeID: nil, limit: 2)
        #expect(newest.map(\.uniqueID) == ["u5", "u4"])
        #expect(try await store.usagePageNewestFirst(filter, beforeID: newest.last?.id, limit: 2).map(\.uniqueID) == ["u3", "u2"])
        let totals = try await store.usageTotals(filter)
        #expect(totals.map(\.code) == ["1234", "9999"])
        #expect(totals.map(\.listed) == [true, false])
        #expect(try await store.listedCodes(account: "acme", among: ["1234", "9999"]) == ["1234"])
        let page = try await store.usageCSVPage(filter, afterID: nil, limit: 10)
        #expect(page.count == 5)
        #expect(try await store.usagePage(UsageFilter(accountID: "other"), afterID: nil, limit: 10).isEmpty)
    }

    /// Billing terms are kept on the account and the code (an import keeps a code's), and the
    /// durations a report is made of come back per code with the code's own terms (issue 24).
    @Test(arguments: AdminBackend.available)
    func billingTermsAreKeptAndDurationsCounted(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        var account = Self.account()
        account.billing = BillingTerms(increment: 360, minimum: 0, rate: Money("300"))
        _ = try await store.saveAccount(account, enableAllUsers: false, audit: nil)
        #expect(try await store.account("acme")?.billing == account.billing)
        var smith = AccountCode(accountID: "acme", code: "1234", description: "Smith")
        smith.billing = BillingOverrides(increment: 60, rate: Money("120.50"))
        try await store.addCode(smith, audit: nil)
        try await store.addCode(AccountCode(accountID: "acme", code: "5678", description: "Jones"), audit: nil)
        #expect(try await store.code(account: "acme", code: "1234")?.billing == smith.billing)
        _ = try await store.importCodes(account: "acme", csv: "code,description,active\n1234,Smith and Co,1\n", audit: nil)
        #expect(try await store.code(account: "acme", code: "1234")?.billing == smith.billing, "an import keeps a code's terms")
        var bad = AccountCode(accountID: "acme", code: "4321")
        bad.billing = BillingOverrides(increment: 0)
        await #expect(throws: StoreError.self) { try await store.addCode(bad, audit: nil) }
        var badAccount = account
        badAccount.billing?.minimum = 86_401
        await #expect(throws: StoreError.self) { _ = try await store.saveAccount(badAccount, enableAllUsers: false, audit: nil) }

        guard let usage = store as? any UsageStore else { Issue.record("an admin store that is not a usage store"); return }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let calls: [(code: String?, billsec: Int?)] = [("1234", 61), ("1234", 61), ("1234", 0), ("5678", 10), ("9999", 3600), (nil, 50),
                                                       ("5678", 999_999_999)]
        let operations = calls.enumerated().map { i, call in
            var entry = UsageEntry(startedAt: start.addingTimeInterval(Double(i)), route: "outbound", accountID: "acme", user: "1001",
                                   callerID: "1001", dialed: "011442079460000", callClass: "international", asked: "required",
                                   incorrectEntries: 0, result: "ACCEPTED", reason: "code-accepted", code: call.code, uniqueID: "b\(i)",
                                   linkedID: "b\(i)", channel: "SIP/1001-1")
            entry.billsec = call.billsec
            return UsageOperation.record(entry: entry)
        }
        _ = try await usage.apply(operations, replaying: false)
        let durations = try await store.usageDurations(UsageFilter(accountID: "acme"))
        #expect(durations.map(\.code) == ["1234", "5678", "9999"], "entries with no code are left out")
        #expect(durations[0].callsBySeconds == [61: 2, 0: 1])
        #expect(durations[0].billing == smith.billing && durations[0].description == "Smith and Co" && durations[0].listed)
        #expect(durations[1].callsBySeconds == [10: 1, CallEnd.longestCall: 1], "a forged figure is bounded as totals bound it")
        #expect(durations[1].billing == nil)
        #expect(durations[2].listed == false && durations[2].description == "")
        #expect(try await store.usageDurations(UsageFilter(accountID: "other")).isEmpty)
        #expect(durations.map(CodeTotal.init) == (try await store.usageTotals(UsageFilter(accountID: "acme"))),
                "the totals the console derives from the durations are the store's own")
        let report = BillingReport(durations: durations, terms: account.billingTerms)
        #expect(report.codes[0].billedSeconds == 240 && report.codes[0].amount == Money("8.03"))
    }

    /// A correction is billed instead of the code keyed, which stays; the call's hangup and a
    /// replay of its record leave it; another account's id is not found; nil removes it.
    @Test(arguments: AdminBackend.available)
    func aCorrectionIsBilledAndKeepsTheCodeAsKeyed(_ backend: AdminBackend) async throws {
        let store = try await backend.make()
        _ = try await store.saveAccount(Self.account(), enableAllUsers: false, audit: nil)
        try await store.addCode(AccountCode(accountID: "acme", code: "1234", description: "Smith"), audit: nil)
        try await store.addCode(AccountCode(accountID: "acme", code: "5678", description: "Jones"), audit: nil)
        guard let usage = store as? any UsageStore else { Issue.record("an admin store that is not a usage store"); return }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var entry = UsageEntry(startedAt: start, route: "outbound", accountID: "acme", user: "1001", callerID: "1001",
                               dialed: "011442079460000", callClass: "international", asked: "required", incorrectEntries: 0,
                               result: "ACCEPTED", reason: "code-accepted", code: "1234", uniqueID: "k1", linkedID: "k1", channel: "SIP/1001-1")
        entry.billsec = 42
        _ = try await usage.apply([.record(entry: entry)], replaying: false)
        let id = try #require(try await store.usagePage(UsageFilter(accountID: "acme"), afterID: nil, limit: 1).first?.id)
        let at = Date(timeIntervalSince1970: 1_800_000_100.25)
        let correction = UsageCorrection(code: "5678", reason: "keyed for the wrong client", by: "cli:ann", at: at)
        let audit = AuditRecord(actor: "cli:ann", accountID: "acme", action: "usage.correct", target: "call k1")
        let corrected = try await store.correctUsage(account: "acme", id: id, correction: correction, audit: audit)
        #expect(corrected.correction == correction && corrected.code == "1234" && corrected.billingCode == "5678")
        #expect(try await store.audit(AuditFilter(accountID: "acme")).first?.action == "usage.correct")
        await #expect(throws: StoreError.notFound("usage entry \(id)")) {
            _ = try await store.correctUsage(account: "other", id: id, correction: correction, audit: nil)
        }
        // The call ends, and its record is replayed (a spool drained again): the correction stays.
        var hangup = entry
        hangup.route = "hangup"
        hangup.billsec = 43
        hangup.endedAt = start.addingTimeInterval(60)
        _ = try await usage.apply([.hangup(request: hangup), .record(entry: entry)], replaying: true)
        let filter = UsageFilter(accountID: "acme")
        let kept = try #require(try await store.usagePage(filter, afterID: nil, limit: 10).first)
        #expect(kept.correction == correction && kept.billsec == 43)
        #expect(try await store.usageTotals(filter).map(\.code) == ["5678"])
        #expect(try await store.usageDurations(filter).map(\.code) == ["5678"])
        #expect(try await store.usagePage(UsageFilter(accountID: "acme", code: "5678"), afterID: nil, limit: 10).count == 1)
        #expect(try await store.usagePage(UsageFilter(accountID: "acme", code: "1234"), afterID: nil, limit: 10).isEmpty)
        #expect(try await store.usageCSVPage(filter, afterID: nil, limit: 10).text.hasSuffix(",5678,keyed for the wrong client,,\n"))
        let undone = try await store.correctUsage(account: "acme", id: id, correction: nil, audit: nil)
        #expect(undone.correction == nil && undone.billingCode == "1234")
        #expect(try await store.usageTotals(filter).map(\.code) == ["1234"])
    }
}
