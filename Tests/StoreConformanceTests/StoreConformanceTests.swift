import AccountCodes
import Foundation
import MemoryStore
import Store
import StoreCore
import Testing

/// What every store adapter must do for the call path, run against each of them: the next backend
/// is ready for calls when this suite passes on it. SQLite runs on a real file, and its "second
/// server" is a second store opened on the same file; the memory store's is a sibling over the
/// same data.
@Suite struct StoreConformanceTests {
    @Test(arguments: Backend.available)
    func aCallsSetupFollowsTheStoredFactsOnEveryInstance(_ backend: Backend) async throws {
        let store = try await backend.make()
        try await store.seed(Self.account())
        try await store.seed(Self.user("1001", enabled: true))
        let second = try await store.sibling()
        for instance in [store, second] {
            let setup = try instance.callSetup(Self.query())
            #expect(setup.callClass == .international)
            guard case .prompt = setup.decision else { Issue.record("\(backend): \(setup.decision)"); continue }
            #expect(setup.lockSubject == .user("1001"))
        }
        // A change through one instance is what the next call on the other one sees.
        try await second.seed(Self.user("1001", enabled: false))
        #expect(try store.callSetup(Self.query()).decision == .proceed(.notRequired, reason: .userNotEnabled))
        var quiet = SettingsGroup(accountID: "acme", name: "quiet")
        quiet.overrides.allowAccountCodes = false
        try await store.seed(quiet)
        var moved = Self.user("1001", enabled: true)
        moved.group = "quiet"
        try await store.seed(moved)
        let grouped = try second.callSetup(Self.query())
        #expect(grouped.group?.name == "quiet")
        #expect(grouped.effective.sources[.allowAccountCodes] == .group)
        // Extensions of the account's users are internal calls.
        try await store.seed(Self.user("2002", enabled: true))
        #expect(try second.callSetup(Self.query(dialed: "2002")).callClass == .internal)
    }

    @Test(arguments: Backend.available)
    func requestsAreAdmittedByAccountAndSource(_ backend: Backend) async throws {
        let store = try await backend.make()
        try await store.seed(Self.account())
        #expect(try store.admission(account: "acme", source: [10, 0, 0, 1]) == .admitted)
        #expect(try store.admission(account: Account.defaultID, source: [10, 0, 0, 1]) == .admitted)
        #expect(try store.admission(account: "nobody", source: [10, 0, 0, 1]) == .refused(.unknownAccount))
        var bound = Self.account()
        bound.allowedSources = ["10.1.2.0/24"]
        try await store.seed(bound)
        #expect(try store.admission(account: "acme", source: [10, 1, 2, 7]) == .admitted)
        #expect(try store.admission(account: "acme", source: [10, 0, 0, 1]) == .refused(.sourceNotAllowed))
        #expect(try store.callSetup(Self.query().from([192, 0, 2, 1])).admission == .refused(.sourceNotAllowed))
    }

    @Test(arguments: Backend.available)
    func codesAreReadAsFacts(_ backend: Backend) async throws {
        let store = try await backend.make()
        try await store.seed(Self.account())
        var code = AccountCode(accountID: "acme", code: "1234", description: "Smith v. Jones")
        code.users = ["1001"]
        code.level = .national
        try await store.seed(code)
        try await store.seed(AccountCode(accountID: "acme", code: "0042", active: false))
        #expect(try store.codeFacts(account: "acme", code: "1234") == code.facts)
        #expect(try store.codeFacts(account: "acme", code: "0042")?.active == false)
        #expect(try store.codeFacts(account: "acme", code: "42") == nil)
        #expect(try store.codeFacts(account: "other", code: "1234") == nil)
    }

    /// Two servers taking a guessing robot's codes at once: every entry is counted once, and the
    /// subject is locked exactly once, after exactly the configured number.
    @Test(arguments: Backend.available)
    func incorrectEntriesAreCountedOnceAcrossInstancesWritingAtOnce(_ backend: Backend) async throws {
        let store = try await backend.make()
        try await store.seed(Self.account())
        let second = try await store.sibling()
        let policy = LockoutPolicy(maxIncorrect: 10, window: 3600, firstLock: 1800)
        let now = 1_800_000_000.0
        let locks = try await withThrowingTaskGroup(of: LockState?.self) { group in
            for index in 0..<30 {
                let instance = index % 2 == 0 ? store : second
                group.addTask { try await instance.registerIncorrectEntry(account: "acme", subject: .user("1001"), policy: policy, now: now) }
            }
            return try await group.reduce(into: [LockState]()) { if let lock = $1 { $0.append(lock) } }
        }
        #expect(locks.count == 1)
        #expect(locks.first?.count == 10)
        #expect(try await second.lock(account: "acme", subject: .user("1001")) == locks.first)
        #expect(try await store.lock(account: "acme", subject: .user("1002")) == nil)
        // The lock is what the next call's setup reads.
        try await store.seed(Self.user("1001", enabled: true))
        #expect(try store.callSetup(Self.query(now: now + 60)).decision == .deny(reason: .lockedOut))
        #expect(try await store.registerIncorrectEntry(account: "acme", subject: .user("1001"),
                                                 policy: LockoutPolicy(maxIncorrect: 0, window: 60, firstLock: 60), now: now) == nil)
    }

    @Test(arguments: Backend.available)
    func aCallsTagAndHangupCompleteItsEntryAndBillNoMoreThanItsAge(_ backend: Backend) async throws {
        let store = try await backend.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000.25)
        let call = Self.entry("1.1", at: start, code: "1234")
        #expect(try await store.apply([.record(entry: call)], replaying: false) == [.inserted])
        var tag = Self.entry("1.1", at: start.addingTimeInterval(20), code: nil)
        tag.route = "tag"
        #expect(try await store.apply([.tag(request: tag, code: "5678")], replaying: false) == [.updatedCall])
        var hangup = Self.entry("1.1", at: start.addingTimeInterval(100), code: nil)
        hangup.endedAt = start.addingTimeInterval(100)
        hangup.disposition = "ANSWER"
        hangup.duration = 3_000
        hangup.billsec = 3_000
        #expect(try await store.apply([.hangup(request: hangup)], replaying: false) == [.updatedCall])
        let entries = try await store.entries(account: "acme")
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.code == "1234" && entry.tagCode == "5678" && entry.billingCode == "5678")
        #expect(entry.billsec == 101, "billed more than the call's age: \(String(describing: entry.billsec))")
        #expect(entry.duration == 3_000 && entry.disposition == "ANSWER")
        #expect(entry.startedAt == start)
    }

    /// A transfer: the caller's leg ends 4 s after the answer, the outside leg 12 s later. The
    /// entry bills the outside leg's whole time, records the transfer (to whom, when), and comes
    /// out the same in either order, replayed, and for an ordinary call whose legs end together.
    @Test(arguments: Backend.available)
    func theOutsideLegOutlivingTheCallerBillsItsWholeTime(_ backend: Backend) async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000.5)
        func ends(_ id: String, callerAt: Double, farAt: Double, to party: String) -> [UsageOperation] {
            var caller = Self.entry(id, at: start.addingTimeInterval(callerAt), code: nil)
            caller.route = "hangup"
            caller.endedAt = start.addingTimeInterval(callerAt)
            caller.disposition = "ANSWER"
            caller.duration = Int(callerAt) + 5
            caller.billsec = Int(callerAt) - 1
            var far = caller
            far.endedAt = start.addingTimeInterval(farAt)
            far.disposition = nil
            far.duration = nil
            far.billsec = Int(farAt) - 1
            far.transferTo = party
            return [.hangup(request: caller), .farEnd(request: far)]
        }
        for order in [false, true] {
            let store = try await backend.make()
            _ = try await store.apply([.record(entry: Self.entry("t.1", at: start, code: "1234")),
                                       .record(entry: Self.entry("n.1", at: start, code: "1234"))], replaying: false)
            var transfer = ends("t.1", callerAt: 5, farAt: 17, to: "1002")
            var ordinary = ends("n.1", callerAt: 30, farAt: 30.2, to: "1001")
            if order { transfer.reverse(); ordinary.reverse() }
            #expect(try await store.apply(transfer + ordinary, replaying: false) == [.updatedCall, .updatedCall, .updatedCall, .updatedCall])
            _ = try await store.apply(transfer, replaying: true)
            let entries = try await store.entries(account: "acme")
            let moved = try #require(entries.first { $0.uniqueID == "t.1" })
            #expect(moved.billsec == 16, "order \(order): \(String(describing: moved.billsec))")
            #expect(moved.transferTo == "1002")
            #expect(moved.endedAt == start.addingTimeInterval(17))
            #expect(moved.disposition == "ANSWER" && moved.duration == 10, "the caller's figures stay the caller's")
            // Reported in this order the caller's end is known when the outside leg's arrives; the
            // other way round it is known when the caller's arrives: the moment is the same.
            #expect(moved.transferredAt == start.addingTimeInterval(5), "order \(order)")
            let plain = try #require(entries.first { $0.uniqueID == "n.1" })
            #expect(plain.transferTo == nil && plain.transferredAt == nil && plain.billsec == 29)
        }
    }

    @Test(arguments: Backend.available)
    func aReplayAppliedTwiceChangesNothingTheSecondTime(_ backend: Backend) async throws {
        let store = try await backend.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000.123)
        var hangup = Self.entry("2.1", at: start.addingTimeInterval(30), code: nil)
        hangup.endedAt = start.addingTimeInterval(30)
        hangup.billsec = 25
        let spool: [UsageOperation] = [.record(entry: Self.entry("2.1", at: start, code: "1234")), .hangup(request: hangup),
                                       .record(entry: Self.entry("2.2", at: start, code: nil))]
        #expect(try await store.apply(spool, replaying: true) == [.inserted, .updatedCall, .inserted])
        let once = try await store.entries(account: "acme")
        _ = try await store.apply(spool, replaying: true)
        #expect(try await store.entries(account: "acme") == once)
        #expect(once.count == 2)
        #expect(once.first { $0.uniqueID == "2.1" }?.billsec == 25)
        // The same replay through a second instance (two servers draining one spool) adds nothing either.
        _ = try await store.sibling().apply(spool, replaying: true)
        #expect(try await store.entries(account: "acme") == once)
    }

    @Test(arguments: Backend.available)
    func aTagOrHangupWithNoCallIsKeptAndNeverTouchesAnotherAccount(_ backend: Backend) async throws {
        let store = try await backend.make()
        let start = Date(timeIntervalSince1970: 1_800_000_100)
        _ = try await store.apply([.record(entry: Self.entry("3.1", at: start, code: "1234", account: "globex"))], replaying: false)
        var hangup = Self.entry("3.1", at: start.addingTimeInterval(10), code: nil)
        hangup.endedAt = start.addingTimeInterval(10)
        hangup.billsec = 5
        #expect(try await store.apply([.hangup(request: hangup)], replaying: false) == [.insertedForMissingCall])
        #expect(try await store.apply([.tag(request: Self.entry("3.9", at: start, code: nil), code: "4321")], replaying: false)
            == [.insertedForMissingCall])
        let acme = try await store.entries(account: "acme")
        #expect(acme.map(\.route).sorted() == ["hangup", "tag"])
        #expect(acme.first { $0.route == "tag" }?.tagCode == "4321")
        let globex = try await store.entries(account: "globex")
        #expect(globex.count == 1 && globex.first?.billsec == nil, "another account's hangup billed globex's call")
    }

    @Test(arguments: Backend.available)
    func twoPBXsWithTheSameUniqueidNeverTouchEachOthersCalls(_ backend: Backend) async throws {
        let store = try await backend.make()
        let start = Date(timeIntervalSince1970: 1_800_000_200)
        // Two Asterisk boxes restarted in the same second hand out the same uniqueid.
        var first = Self.entry("1700000000.42", at: start, code: "1234")
        first.pbx = "pbx-a"
        var second = Self.entry("1700000000.42", at: start, code: "5555")
        second.pbx = "pbx-b"
        second.user = "1002"
        #expect(try await store.apply([.record(entry: first), .record(entry: second)], replaying: false) == [.inserted, .inserted])
        var hangup = Self.entry("1700000000.42", at: start.addingTimeInterval(60), code: nil)
        hangup.pbx = "pbx-a"
        hangup.endedAt = start.addingTimeInterval(60)
        hangup.billsec = 50
        var tag = Self.entry("1700000000.42", at: start.addingTimeInterval(30), code: nil)
        tag.pbx = "pbx-b"
        #expect(try await store.apply([.hangup(request: hangup), .tag(request: tag, code: "7777")], replaying: false)
            == [.updatedCall, .updatedCall])
        // A request from a PBX with no name is a third PBX: it finds neither.
        var bare = hangup
        bare.pbx = nil
        #expect(try await store.apply([.hangup(request: bare)], replaying: false) == [.insertedForMissingCall])
        let entries = try await store.entries(account: "acme")
        let a = try #require(entries.first { $0.pbx == "pbx-a" && $0.route == "outbound" })
        let b = try #require(entries.first { $0.pbx == "pbx-b" })
        #expect(a.code == "1234" && a.billsec == 50 && a.tagCode == nil)
        #expect(b.code == "5555" && b.billsec == nil && b.tagCode == "7777", "pbx-a's hangup billed pbx-b's call")
        #expect(entries.count == 3)
    }

    @Test(arguments: Backend.available)
    func aRequestAskedAgainOnAnotherServerIsOneEntryWithTheLaterOutcome(_ backend: Backend) async throws {
        let store = try await backend.make()
        let start = Date(timeIntervalSince1970: 1_800_000_300.5)
        // The first server logged its outcome, then died before the dialplan heard it; the
        // dialplan asked the second with the same request id.
        var earlier = Self.entry("1700000000.43", at: start, code: nil)
        earlier.pbx = "pbx-a"
        earlier.request = "1800000300.500001"
        earlier.result = "DENIED"
        earlier.incorrectEntries = 1
        earlier.attempt = 1
        var later = Self.entry("1700000000.43", at: start.addingTimeInterval(9), code: "1234")
        later.pbx = "pbx-a"
        later.request = "1800000300.500001"
        later.attempt = 2
        #expect(try await store.apply([.record(entry: earlier)], replaying: false) == [.inserted])
        #expect(try await store.apply([.record(entry: later)], replaying: false) == [.replacedAttempt])
        // The earlier attempt again (a server's spool drained late), and the later one again: nothing changes.
        #expect(try await store.apply([.record(entry: earlier), .record(entry: later)], replaying: true) == [.alreadyThere, .alreadyThere])
        // Through a second instance too (another server draining its spool).
        #expect(try await store.sibling().apply([.record(entry: earlier)], replaying: true) == [.alreadyThere])
        // A repeat that does not know it is one (no attempt number, as from `acctcodes call`) looks all the same.
        var unnumbered = later
        unnumbered.attempt = nil
        #expect(try await store.apply([.record(entry: unnumbered)], replaying: false) == [.alreadyThere])
        var entries = try await store.entries(account: "acme")
        #expect(entries.count == 1)
        var entry = try #require(entries.first)
        #expect(entry.result == "ACCEPTED" && entry.code == "1234" && entry.incorrectEntries == 0 && entry.request == "1800000300.500001")
        #expect(entry.startedAt == start.addingTimeInterval(9))
        // Another request on the same channel (the routine run again) is an entry of its own.
        var again = later
        again.request = "1800000400.000001"
        again.startedAt = start.addingTimeInterval(100)
        #expect(try await store.apply([.record(entry: again)], replaying: false) == [.inserted])
        // In the other order, on a fresh call: the later attempt first, the earlier one arriving
        // after it from a server's spool.
        var lateFirst = later
        lateFirst.uniqueID = "1700000000.44"
        var earlyAfter = earlier
        earlyAfter.uniqueID = "1700000000.44"
        #expect(try await store.apply([.record(entry: lateFirst)], replaying: false) == [.inserted])
        #expect(try await store.apply([.record(entry: earlyAfter)], replaying: true) == [.alreadyThere])
        entries = try await store.entries(account: "acme")
        #expect(entries.count == 3)
        entry = try #require(entries.first { $0.uniqueID == "1700000000.44" })
        #expect(entry.result == "ACCEPTED")
    }

    // MARK: Facts

    static func account() -> Account {
        var account = Account(id: "acme")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international]
        return account
    }

    static func user(_ ext: String, enabled: Bool) -> User {
        var user = User(accountID: "acme", extensionNumber: ext)
        user.enabled = enabled
        return user
    }

    static func query(dialed: String = "011442079460000", now: Double = 1_800_000_000) -> CallQuery {
        CallQuery(account: "acme", user: "1001", dialed: dialed, channel: "SIP/1001-00000001", now: now)
    }

    static func entry(_ uniqueID: String, at date: Date, code: String?, account: String = "acme") -> UsageEntry {
        UsageEntry(startedAt: date, route: "outbound", accountID: account, user: "1001", callerID: "1001", dialed: "011442079460000",
                   callClass: "international", asked: "required", incorrectEntries: 0, result: code == nil ? "NOTREQUIRED" : "ACCEPTED",
                   reason: "code-valid", code: code, uniqueID: uniqueID, linkedID: uniqueID, channel: "SIP/1001-00000001")
    }
}
