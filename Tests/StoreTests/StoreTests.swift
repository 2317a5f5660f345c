import AccountCodes
import Foundation
@testable import Store
import StoreCore
import Synchronization
import TestSupport
import Testing

func temporaryPath(_ name: String = "store") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name).sqlite").path
}

func configuredStore(path: String = temporaryPath(), codes: Int = 0) throws -> AcctcodesStore {
    let store = try AcctcodesStore(path: path)
    var account = Account(id: "default")
    account.codeLength = 4
    account.defaults.allowAccountCodes = true
    try store.saveAccount(account)
    if codes > 0 {
        var csv = "code,description,active\n"
        for i in 0..<codes { csv += String(format: "%04d,Client %d,1\n", i, i) }
        _ = try store.importCodes(account: "default", csv: csv)
    }
    return store
}

@Suite struct StoreTests {
    @Test func migratesFromEmpty() throws {
        let store = try AcctcodesStore(path: temporaryPath())
        #expect(try store.appliedMigrations() == ["v1-accounts-groups-users-codes-usage", "v2-settings-revision",
                                                  "v3-usage-without-code-index", "v4-toll-fraud-defenses", "v5-api-tokens-audit",
                                                  "v6-usage-pbx-request", "v7-console-sessions", "v8-billing-terms",
                                                  "v9-usage-corrections", "v10-lockout-revision"].sorted())
        #expect(try store.account("default") == nil)
        // Reopening applies nothing twice.
        let again = try AcctcodesStore(path: store.path)
        #expect(try again.appliedMigrations().count == 10)
    }

    @Test func accountRulesAreEnforcedAgainstStoredState() throws {
        let store = try configuredStore()
        var account = try #require(try store.account("default"))
        account.codeLength = 5
        #expect(throws: StoreError.rule(.codeLengthLocked(current: 4))) { try store.saveAccount(account) }
        account.codeLength = 4
        account.defaults.validateWhenDialed = true
        #expect(throws: StoreError.rule(.validationWithoutCodes)) { try store.saveAccount(account) }
        try store.addCode(AccountCode(accountID: "default", code: "0042", description: "Acme v. Widget"))
        try store.saveAccount(account)
        #expect(try store.account("default")?.defaults.validateWhenDialed == true)
        #expect(throws: StoreError.rule(.validationWithoutCodes)) { try store.removeCode(account: "default", code: "0042") }
        #expect(try store.code(account: "default", code: "0042")?.description == "Acme v. Widget", "refused removal changed nothing")
    }

    @Test func enableAllUsersEnablesEveryoneWithoutIt() throws {
        let store = try configuredStore()
        for ext in ["1001", "1002", "1003"] { try store.saveUser(User(accountID: "default", extensionNumber: ext), create: true) }
        #expect(try store.users(account: "default").allSatisfy { !$0.enabled }, "new users are off")
        let account = try #require(try store.account("default"))
        #expect(try store.saveAccount(account, enableAllUsers: true) == 3)
        #expect(try store.users(account: "default").allSatisfy(\.enabled))
    }

    @Test func usersAndGroups() throws {
        let store = try configuredStore()
        var group = SettingsGroup(accountID: "default", name: "paralegals")
        group.permission = .local
        try store.saveGroup(group, create: true)
        #expect(throws: StoreError.alreadyExists("group \"paralegals\"")) { try store.saveGroup(group, create: true) }
        var user = User(accountID: "default", extensionNumber: "1001")
        user.group = "nosuch"
        #expect(throws: StoreError.notFound("group \"nosuch\"")) { try store.saveUser(user, create: true) }
        user.group = "paralegals"
        user.overrides.proceedAfterMaxRetries = true
        #expect(throws: StoreError.rule(.userProceedNotAllowedByAccount)) { try store.saveUser(user, create: true) }
        user.overrides.proceedAfterMaxRetries = nil
        try store.saveUser(user, create: true)
        #expect(try store.removeGroup(account: "default", name: "paralegals") == 1)
        #expect(try store.user(account: "default", extension: "1001")?.group == nil)
    }

    @Test func codesMustMatchTheAccount() throws {
        let store = try configuredStore()
        #expect(throws: StoreError.rule(.badCode("123", expectedLength: 4))) {
            try store.addCode(AccountCode(accountID: "default", code: "123"))
        }
        try store.addCode(AccountCode(accountID: "default", code: "0001"))
        #expect(throws: StoreError.alreadyExists("code 0001")) { try store.addCode(AccountCode(accountID: "default", code: "0001")) }
        #expect(throws: StoreError.self) { try store.addCode(AccountCode(accountID: "nosuch", code: "0001")) }
    }

    @Test func importIsAllOrNothingAndNamesEveryBadRow() throws {
        let store = try configuredStore()
        let csv = #"""
            code,description,active
            1234,"Smith, Jones & Co",1
            12345,too long,1
            1234,duplicate,1
            12a4,letters,yes
            5678,bad flag,maybe
            9999,"quoted ""name""",0
            7777,missing field

            """#
        let error = #expect(throws: StoreError.self) { try store.importCodes(account: "default", csv: csv) }
        if case .importRejected(let problems) = error {
            #expect(problems == [
                "line 3: code \"12345\" must be exactly 4 digits",
                "line 4: code 1234 repeats line 2",
                "line 5: code \"12a4\" must be exactly 4 digits",
                "line 6: active must be 1/0, true/false or yes/no, not \"maybe\"",
                "line 8: expected 3 fields, found 2",
            ])
        } else {
            Issue.record("expected importRejected, got \(String(describing: error))")
        }
        #expect(try store.codeCount(account: "default") == 0, "nothing was written")
        let good = "code,description,active\r\n1234,\"Smith, Jones & Co\",1\r\n9999,\"quoted \"\"name\"\"\",0\r\n"
        #expect(try store.importCodes(account: "default", csv: good) == .init(added: 2, updated: 0))
        #expect(try store.code(account: "default", code: "1234")?.description == "Smith, Jones & Co")
        let exported = try store.exportCodes(account: "default")
        #expect(exported == "code,description,active,users,groups,level,valid_from,valid_until\n"
            + "1234,\"Smith, Jones & Co\",1,,,,,\n9999,\"quoted \"\"name\"\"\",0,,,,,\n")
        // Export then import round-trips as updates.
        #expect(try store.importCodes(account: "default", csv: exported) == .init(added: 0, updated: 2))
    }

    @Test func importsTenThousandCodes() async throws {
        let store = try configuredStore(codes: 10_000)
        await #expect(try store.codeCount(account: "default") == 10_000)
        #expect(try store.isValidCode(account: "default", code: "0042"))
        #expect(try !store.isValidCode(account: "default", code: "42"))
    }

    @Test func inactiveCodesDoNotValidate() async throws {
        let store = try configuredStore()
        try store.addCode(AccountCode(accountID: "default", code: "5555", active: false))
        #expect(try !store.isValidCode(account: "default", code: "5555"))
    }

    @Test func aSecondConnectionSeesChangesWhileAnotherWrites() async throws {
        let path = temporaryPath()
        let server = try configuredStore(path: path)
        let cli = try AcctcodesStore(path: path)
        #expect(try !server.isValidCode(account: "default", code: "4321"))
        try cli.addCode(AccountCode(accountID: "default", code: "4321"))
        #expect(try server.isValidCode(account: "default", code: "4321"), "no restart needed")
        // Reads go on while the other connection writes continuously.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<200 { try cli.addCode(AccountCode(accountID: "default", code: String(format: "%04d", 5000 + i))) }
            }
            group.addTask {
                for _ in 0..<500 { _ = try server.isValidCode(account: "default", code: "4321") }
            }
            try await group.waitForAll()
        }
        await #expect(try server.codeCount(account: "default") == 201)
    }

    /// Per-call reads use a connection per thread; more threads than it keeps still all read right.
    @Test func readsFromManyThreadsAllSeeTheCodes() throws {
        let store = try configuredStore(codes: 100)
        let results = Mutex([Bool](repeating: false, count: 200))
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            let code = String(format: "%04d", i % 100)
            let valid = (try? store.isValidCode(account: "default", code: code)) ?? false
            let missing = (try? store.isValidCode(account: "default", code: "9999")) ?? true
            results.withLock { $0[i] = valid && !missing }
        }
        #expect(results.withLock { $0.allSatisfy { $0 } })
    }

    /// The server keeps decoded settings between calls; a change from any process shows at the
    /// first call past `RevisionWatch.freshness` (a reading of the revision younger than that
    /// stands for it), and a change through the server's own store at the very next call.
    @Test func callSetupSeesEverySettingsChangeAtTheNextCall() async throws {
        let path = temporaryPath()
        let server = try configuredStore(path: path)
        let admin = try AcctcodesStore(path: path)
        func decision(_ user: String = "1001", _ dialed: String = "011442079460000") async throws -> String {
            // Waits at least the freshness window (a sleep never ends early, however slow the machine).
            try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
            return "\(try server.callSetup(account: "default", user: user, dialed: dialed).decision)"
        }
        var user = User(accountID: "default", extensionNumber: "1001")
        user.enabled = true
        try admin.saveUser(user, create: true)
        let enabled = try await decision()
        #expect(try await decision() == enabled, "a cached read decides the same")
        user.enabled = false
        try admin.saveUser(user, create: false)
        #expect(try await decision() != enabled, "a user change from another connection")

        var group = SettingsGroup(accountID: "default", name: "local-only")
        group.permission = .local
        try admin.saveGroup(group, create: true)
        user.enabled = true
        user.group = "local-only"
        try admin.saveUser(user, create: false)
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        let inGroup = try server.callSetup(account: "default", user: "1001", dialed: "011442079460000")
        #expect(inGroup.group?.permission == .local)
        group.permission = .international
        try admin.saveGroup(group, create: false)
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        #expect(try server.callSetup(account: "default", user: "1001", dialed: "011442079460000").group?.permission == .international)

        // Even a change that bypasses acctcodes entirely, as sqlite3 run by hand.
        try await ChildProcess.sqlite(path, "UPDATE account SET code_length = 6 WHERE id = 'default'")
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        #expect(try server.callSetup(account: "default", user: "1001", dialed: "011442079460000").account.codeLength == 6)

        // A caller who becomes a user, and a number that becomes an extension.
        #expect(try server.callSetup(account: "default", user: "2002", dialed: "2002").user == nil)
        try admin.saveUser(User(accountID: "default", extensionNumber: "2002"), create: true)
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        let setup = try server.callSetup(account: "default", user: "2002", dialed: "2002")
        #expect(setup.user != nil && setup.callClass == .internal)

        // Through the server's own store: at the very next call, however fresh its reading.
        user.enabled = false
        _ = try server.callSetup(account: "default", user: "1001", dialed: "011442079460000")
        try server.saveUser(user, create: false)
        #expect(try server.callSetup(account: "default", user: "1001", dialed: "011442079460000").decision
                    == .proceed(.notRequired, reason: .userNotEnabled))
    }

    /// A reading of the revision stands for it only while fresh: a change from another
    /// connection is not seen inside the window, and is after it. Publishing is what the usage
    /// log's commits do under load. On a clock of the test's own: no machine is too slow for it.
    @Test func aFreshRevisionReadingStandsForTheDatabaseOnlyBriefly() {
        let clock = Atomic<UInt64>(1_000_000_000)
        let watch = RevisionWatch { clock.load(ordering: .relaxed) }
        #expect(watch.fresh() == nil, "nothing read yet: the call reads")
        watch.publish(7, watch.token())
        #expect(watch.fresh() == 7)
        clock.add(RevisionWatch.freshness, ordering: .relaxed)
        #expect(watch.fresh() == 7, "as old as the window: it still stands")
        clock.add(1, ordering: .relaxed)
        #expect(watch.fresh() == nil, "older: the call reads")
        // A reading is as old as its transaction's start, not its publication.
        let slow = watch.token()
        clock.add(RevisionWatch.freshness + 1, ordering: .relaxed)
        watch.publish(8, slow)
        #expect(watch.fresh() == nil)
        // A write of this store between a read and its publication: the reading is dropped.
        let before = watch.token()
        watch.forget()
        watch.publish(9, before)
        #expect(watch.fresh() == nil)
        // An older reading never replaces a newer one.
        let older = watch.token()
        clock.add(10, ordering: .relaxed)
        let newer = watch.token()
        watch.publish(10, newer)
        watch.publish(9, older)
        #expect(watch.fresh() == 10)
    }

    /// Locks are kept with the settings: a lock set, or lifted, from another connection is what
    /// calls see once the window has passed; the server's own lock at once.
    @Test func locksAreCachedUnderTheRevisionTheyBump() async throws {
        let path = temporaryPath()
        let server = try configuredStore(path: path)
        let admin = try AcctcodesStore(path: path)
        let policy = LockoutPolicy(maxIncorrect: 1, window: 3600, firstLock: 1800)
        let now = Date().timeIntervalSince1970
        #expect(try server.lock(account: "default", subject: .user("1001")) == nil)
        let lock = try #require(try await admin.registerIncorrectEntry(account: "default", subject: .user("1001"), policy: policy, now: now))
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        #expect(try server.lock(account: "default", subject: .user("1001")) == lock)
        try admin.unlock(account: "default", subject: .user("1001"), now: now)
        try await Task.sleep(nanoseconds: 2 * RevisionWatch.freshness)
        #expect(try server.lock(account: "default", subject: .user("1001")) == nil)
        let own = try #require(try await server.registerIncorrectEntry(account: "default", subject: .user("1002"), policy: policy, now: now))
        #expect(try server.lock(account: "default", subject: .user("1002")) == own)
    }

    @Test func lockedDatabaseGivesAClearErrorAndChangesNothing() async throws {
        let path = temporaryPath()
        _ = try configuredStore(path: path)
        var options = AcctcodesStore.Options()
        options.busyTimeout = 0.2
        let locker = try await DatabaseLocker(path: path)
        // Opens while locked: the schema is current, so no write is needed to start.
        let store = try AcctcodesStore(path: path, options: options)
        #expect(throws: StoreError.locked) { try store.addCode(AccountCode(accountID: "default", code: "1111")) }
        await locker.release()
        await #expect(try store.code(account: "default", code: "1111") == nil)
        try store.addCode(AccountCode(accountID: "default", code: "1111"))
    }

    @Test func brokenFileGivesAClearError() throws {
        let path = temporaryPath()
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try AcctcodesStore(path: path) }
        #expect(error?.description.hasPrefix("cannot open the database at \(path): ") == true)
        #expect(error?.description.contains("not a database") == true)
    }

    /// The per-call reads use SQLite directly; their failures read like every other store error,
    /// and they recover once the schema is whole again.
    @Test func perCallReadsReportAndRecoverFromABrokenSchema() throws {
        let path = temporaryPath()
        let store = try configuredStore(path: path, codes: 10)
        #expect(try store.isValidCode(account: "default", code: "0007"))
        let admin = try AcctcodesStore(path: path)
        try admin.write { db in try db.execute(sql: "ALTER TABLE code RENAME TO code_gone") }
        let error = #expect(throws: StoreError.self) { try store.isValidCode(account: "default", code: "0007") }
        #expect(error?.description.contains("no such table: code") == true, "\(String(describing: error))")
        try admin.write { db in try db.execute(sql: "ALTER TABLE settings_revision RENAME TO revision_gone") }
        #expect(throws: StoreError.self) { try store.callSetup(account: "default", user: "1001", dialed: "2125550100") }
        try admin.write { db in
            try db.execute(sql: "ALTER TABLE code_gone RENAME TO code")
            try db.execute(sql: "ALTER TABLE revision_gone RENAME TO settings_revision")
        }
        #expect(try store.isValidCode(account: "default", code: "0007"))
        #expect(try store.callSetup(account: "default", user: "1001", dialed: "2125550100").account.codeLength == 4)
    }

    @Test func unwritableLocationGivesAClearError() {
        #expect(throws: StoreError.self) { try AcctcodesStore(path: "/nonexistent-dir/x/acctcodes.sqlite") }
    }
}

@Suite struct UsageCSVTests {
    /// The export's own time format is ISO 8601 as Foundation writes it, without its cost.
    @Test(arguments: [0.0, 1_764_000_000, 1_764_000_000.4, 951_782_400, 4_102_444_799])
    func timesAreISO8601(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(UsageCSV.lines([entry(at: date)]).hasPrefix(ISO8601DateFormatter().string(from: date) + ",outbound,"))
    }

    /// Fields that need quoting come back whole through the importer's parser; a comma inside a
    /// Character (a combining accent after it) is still quoted, since the scan is by bytes.
    @Test func quotedFieldsRoundTrip() throws {
        let fields = ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", " lead", "trail ", ",\u{301}", "Zoë", ""]
        let line = CSV.line(fields)
        #expect(try CSV.parse(line).map(\.fields) == [fields])
        #expect(line.hasPrefix("plain,\"a,b\",\"say \"\"hi\"\"\","))
        #expect(line.contains(",\",\u{301}\","))
    }

    func entry(at date: Date) -> UsageEntry {
        UsageEntry(startedAt: date, route: "outbound", accountID: "default", user: "1001", callerID: "1001", dialed: "5551234",
                   callClass: "local", asked: "none", incorrectEntries: 0, result: "NOTREQUIRED", reason: "collection-off", code: nil,
                   uniqueID: "u", linkedID: "u", channel: "SIP/1001-1")
    }
}
