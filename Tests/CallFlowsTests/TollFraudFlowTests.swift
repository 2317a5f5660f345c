import AccountCodes
import CallFlows
import FakeAsterisk
import Foundation
import Store
import StoreCore
import TestSupport
import Testing

/// The attacks of the toll-fraud issue, run against the real server through the fake Asterisk.
@Suite struct TollFraudFlowTests {
    /// A guessing robot is stopped at the configured count, across calls, with an alert; the lock
    /// outlives the call, spares emergency and code-free calls, and lifts with `unlock`.
    @Test func bruteForceIsStoppedAtTheConfiguredCountWithAnAlert() async throws {
        let alertFile = FileManager.default.temporaryDirectory.appendingPathComponent("alert-\(UUID().uuidString).json").path
        try await FlowHarness.with(alertCommand: "cat > '\(alertFile)'", configure: { $0.defaults.lockoutAfter = 5 }) { h in
            let first = try await h.call(dial: "011442079460000", keys: "1111#2222#3333#")
            #expect(first[variable: "ACCTCODE_REASON"] == "max-retries")
            // The 5th wrong code (the 2nd of this call) locks: the valid code after it is never heard.
            let second = try await h.call(dial: "011442079460000", keys: "4444#5555#1234#")
            #expect(second[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(second[variable: "ACCTCODE_REASON"] == "locked-out")
            let third = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(third[variable: "ACCTCODE_REASON"] == "locked-out")
            #expect(third.prompts.isEmpty, "a locked caller is not prompted")
            #expect(try await h.call(dial: "911")[variable: "ACCTCODE_RESULT"] == "EMERGENCY")
            #expect(try await h.call(dial: "1002")[variable: "ACCTCODE_RESULT"] == "NOTREQUIRED", "an internal call needs no code")

            let refusals = try h.entries().filter { $0.reason == "locked-out" }
            #expect(refusals.count == 2, "each refusal is in the usage log")
            #expect(refusals.map(\.incorrectEntries) == [2, 0])

            let deadline = ContinuousClock.now + .seconds(60)
            while (FileManager.default.contents(atPath: alertFile)?.count ?? 0) == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let alert = try #require(FileManager.default.contents(atPath: alertFile))
            let event = try #require(try JSONSerialization.jsonObject(with: alert) as? [String: Any])
            #expect(event["subject"] as? String == "user:1001")
            #expect(event["account"] as? String == "default")
            #expect(event["count"] as? Int == 5)
            #expect(event["windowSeconds"] as? Int == 3600)

            #expect(try h.store.unlock(account: "default", subject: .user("1001"), now: Date().timeIntervalSince1970))
            #expect(try await h.call(dial: "011442079460000", keys: "1234#")[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }

    /// Another user is not locked by 1001's guesses, and a known user's caller ID is no device lock.
    @Test func aLockIsTheGuessersOwn() async throws {
        try await FlowHarness.with(configure: { $0.defaults.lockoutAfter = 3 }) { h in
            _ = try await h.call(dial: "011442079460000", keys: "1111#2222#3333#")
            #expect(try await h.call(dial: "011442079460000", keys: "1234#")[variable: "ACCTCODE_REASON"] == "locked-out")
            #expect(try await h.call(user: "1003", dial: "011442079460000", keys: "1234#")[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }

    /// From loopback, with `default` bound to another network: nothing of `default` can be read,
    /// written, tagged or hung up; an emergency call still goes through; the account bound to
    /// loopback works.
    @Test func aSourceCannotActForAnAccountItIsNotBoundTo() async throws {
        try await FlowHarness.with(configure: { $0.allowedSources = ["10.9.9.0/24"] }) { h in
            var acme = Account(id: "acme")
            acme.allowedSources = ["127.0.0.1"]
            try h.store.saveAccount(acme)
            // A call of default's, placed by its own PBX.
            let theirs = UsageEntry(startedAt: Date(timeIntervalSinceNow: -120), route: "outbound", accountID: "default", user: "1001",
                                    callerID: "1001", dialed: "011442079460000", callClass: "international", asked: "required",
                                    incorrectEntries: 0, result: "ACCEPTED", reason: "code-valid", code: "1234", uniqueID: "b.1",
                                    linkedID: "b.1", channel: "SIP/b-1")
            try h.store.applyUsage([.record(entry: theirs)])

            let outbound = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(outbound[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(outbound[variable: "ACCTCODE_REASON"] == "source-not-allowed")
            #expect(outbound.prompts.isEmpty)
            let hangup = try await h.call("hangup", dial: "011442079460000", uniqueID: "b.1",
                                          extra: "dialstatus=ANSWER&answeredat=1&endedat=3601&duration=3600")
            #expect(hangup.variables.isEmpty)
            let tag = try await h.call("tag", dial: "011442079460000", keys: "0042#", uniqueID: "b.1")
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "DENIED")
            #expect(tag.prompts.isEmpty)
            // acme may act from here, but only on its own rows: its tag of b.1 lands in acme.
            _ = try await h.call("hangup", account: "acme", dial: "011442079460000", uniqueID: "b.1",
                                 extra: "dialstatus=ANSWER&answeredat=1&endedat=3601&duration=3600")
            #expect(try await h.call(account: "acme", dial: "011442079460000")[variable: "ACCTCODE_RESULT"] == "NOTREQUIRED")
            #expect(try await h.call(dial: "911")[variable: "ACCTCODE_RESULT"] == "EMERGENCY")

            let rows = try h.entries()
            #expect(rows.count == 1, "nothing from loopback landed in default's log")
            #expect(rows.first?.billsec == nil && rows.first?.tagCode == nil, "default's call untouched")
            #expect(try h.store.usage(UsageFilter(accountID: "acme")).map(\.route).sorted() == ["hangup", "outbound"])
        }
    }

    /// A typo in the dialplan's account is refused, not served as a fresh account with codes off.
    @Test func anUnknownAccountIsRefused() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(account: "defualt", dial: "011442079460000")
            #expect(record[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(record[variable: "ACCTCODE_REASON"] == "unknown-account")
            #expect(try await h.call(account: "defualt", dial: "112")[variable: "ACCTCODE_RESULT"] == "EMERGENCY")
            #expect(try h.store.usage(UsageFilter(accountID: "defualt")).isEmpty, "no rows for an account that does not exist")
        }
    }

    /// Unknown callers treated as a group are prompted as its users; their wrong codes lock the device.
    @Test func unknownCallersTreatedAsAGroupLockTheirDevice() async throws {
        try await FlowHarness.with(configure: { $0.defaults.lockoutAfter = 3 }) { h in
            var account = try await #require(try h.store.account("default"))
            account.unknownCallers = .group("local-only")
            try h.store.saveAccount(account)
            let allowed = try await h.call(user: "5550123", dial: "011442079460000", keys: "1234#", channel: "SIP/gateway-0000001a")
            #expect(allowed[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
            _ = try await h.call(user: "5550124", dial: "011442079460000", keys: "1111#2222#3333#", channel: "SIP/gateway-0000001b")
            let spoofed = try await h.call(user: "5550125", dial: "011442079460000", keys: "1234#", channel: "SIP/gateway-0000001c")
            #expect(spoofed[variable: "ACCTCODE_REASON"] == "locked-out", "a new caller ID from the same device is still locked")
            await #expect(try h.store.lockouts(account: "default", now: Date().timeIntervalSince1970).map(\.subject) == ["device:SIP/gateway"])
            let elsewhere = try await h.call(user: "5550126", dial: "011442079460000", keys: "1234#", channel: "SIP/other-00000001")
            #expect(elsewhere[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }

    /// A code limited by level, people and dates is refused like a wrong one; the caller hears only "invalid".
    @Test func aCodesLimitsAreChecked() async throws {
        try await FlowHarness.with { h in
            var national = try await #require(try h.store.code(account: "default", code: "0042"))
            national.level = .national
            try h.store.updateCode(national)
            var closed = try await #require(try h.store.code(account: "default", code: "1234"))
            closed.validUntil = "2020-12-31"
            try h.store.updateCode(closed)
            try h.store.addCode(AccountCode(accountID: "default", code: "7777"))
            var personal = try await #require(try h.store.code(account: "default", code: "7777"))
            personal.users = ["1003"]
            try h.store.updateCode(personal)

            let record = try await h.call(dial: "011442079460000", keys: "0042#1234#7777#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(try h.entries().last?.incorrectEntries == 3, "all three refused")
            let national1003 = try await h.call(user: "1003", dial: "0113314444", keys: "7777#")
            #expect(national1003[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }

    /// Peers' values reach the log escaped, and no code appears in any line at any level.
    @Test func logsAreSafeAndHoldNoCode() async throws {
        let logs = CapturedLog()
        try await FlowHarness.with(logs: logs, configure: { $0.defaults.lockoutAfter = 2 }) { h in
            // A uniqueid cannot hold a newline on the wire, but a CR, escapes and NUL it can; query
            // values can hold anything, percent-encoded.
            let hostile = "1.1\r2026-11-23T00:00:00 critical forged line \u{1B}[31mred\u{1B}[0m\u{0}"
            _ = try await h.call(dial: "011442079460000", keys: "9876#1234#", uniqueID: hostile)
            _ = try await h.call(account: "bad%1B%5B2Jaccount%0D%0Aforged", user: "10%0701", dial: "0114420%0A79460000", uniqueID: hostile)
            _ = try await h.call(dial: "011442079460000", keys: "8765#", uniqueID: hostile)
            _ = try await h.call("tag", dial: "011442079460000", keys: "5678#", uniqueID: hostile)
        }
        let lines = logs.all
        #expect(lines.contains { $0.contains("locked out") }, "the lockout was logged")
        #expect(lines.contains { $0.contains("unknown-account") })
        for line in lines {
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "control character in: \(line.debugDescription)")
            // A code standing alone (not part of a port number or a duration).
            let digitRuns = line.split(whereSeparator: { !$0.isNumber }).map(String.init)
            for code in ["9876", "1234", "8765", "5678"] { #expect(!digitRuns.contains(code), "a code in: \(line)") }
        }
    }
}
