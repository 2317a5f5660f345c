import AccountCodes
import FakeAsterisk
import Foundation
import Store
import StoreCore
import TestSupport
import Testing

@Suite struct FailureFlowTests {
    /// A hangup at each command of a prompted call: a clean end, and one usage entry each time.
    @Test(arguments: [CallScript.HangupStyle.sighup, .noSighup, .exitOnHangup])
    func hangupAtEveryStep(style: CallScript.HangupStyle) async throws {
        try await FlowHarness.with { h in
            let full = try await h.call(dial: "011442079460000", keys: "9999#1234#")
            let steps = full.commands.count
            for step in 1...steps {
                let record = try await h.call(dial: "011442079460000", keys: "9999#1234#", hangupAt: step, style: style, uniqueID: "h-\(step)")
                #expect(record.ending != .timedOut, "step \(step)")
                let entry = try #require(try h.store.usage(UsageFilter(accountID: "default")).first { $0.uniqueID == "h-\(step)" },
                                         "step \(step) logged")
                // Hanging up during a prompt (ANSWER and three GET DATA) abandons the call; after the code, the answer stands.
                #expect(entry.result == (step <= 4 ? "ABANDONED" : "ACCEPTED"), "step \(step)")
                if step <= 4 { #expect(record[variable: "ACCTCODE_ALLOW"] != "1", "an abandoned call is never allowed") }
            }
            #expect(try h.entries().count == steps + 1)
            #expect(h.server.activeSessions == 0)
        }
    }

    @Test func storeFailureMidCallFailsClosed() async throws {
        try await FlowHarness.with { h in
            try await h.sqlite("ALTER TABLE code RENAME TO code_gone")
            let record = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(record[variable: "ACCTCODE_ALLOW"] == "0")
            #expect(record[variable: "ACCTCODE_REASON"] == "store-unavailable")
            #expect(try h.entries().first?.reason == "store-unavailable")
        }
    }

    @Test func storeFailureMidCallFailsOpenWhenConfigured() async throws {
        try await FlowHarness.with(failMode: .open) { h in
            try await h.sqlite("ALTER TABLE code RENAME TO code_gone")
            let record = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "PROCEED_NO_CODE")
            #expect(record[variable: "ACCTCODE_REASON"] == "store-unavailable-fail-open")
        }
    }

    @Test func emergencyPassesWhenTheStoreIsGone() async throws {
        try await FlowHarness.with { h in
            try await h.sqlite("ALTER TABLE account RENAME TO account_gone")
            let emergency = try await h.call(dial: "9911")
            #expect(emergency[variable: "ACCTCODE_RESULT"] == "EMERGENCY")
            #expect(emergency[variable: "ACCTCODE_ALLOW"] == "1")
            let other = try await h.call(dial: "011442079460000")
            #expect(other[variable: "ACCTCODE_ALLOW"] == "0")
            #expect(try h.entries().map(\.result) == ["EMERGENCY", "DENIED"], "the usage log still works")
        }
    }

    @Test func usageLogFailureNeverAllowsAnUnloggedCall() async throws {
        let logs = CapturedLog()
        try await FlowHarness.with(logs: logs, inMemory: true) { h in
            h.memory?.faults.diskFull = true
            let record = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(record[variable: "ACCTCODE_ALLOW"] == "0")
            #expect(record[variable: "ACCTCODE_REASON"] == "usage-log-unavailable")
            let emergency = try await h.call(dial: "911")
            #expect(emergency[variable: "ACCTCODE_ALLOW"] == "1", "emergency calls are never blocked")
            // A hangup neither the log nor a spool took is not acknowledged: the routine asks the next server.
            let hangup = try await h.call("hangup", dial: "011442079460000",
                                          extra: "&dialstatus=ANSWER&answeredat=1&endedat=2&duration=3&pbx=pbx-a&request=1700000000.5",
                                          dead: true)
            #expect(hangup[variable: "ACCTCODES_LOGGED"] == nil && hangup.commands.isEmpty)
            // The server's log keeps what nothing took, naming the call as the store would: its PBX and request too.
            #expect(logs.all.contains { $0.contains("spool failed too") && $0.contains("entry.pbx=pbx-a")
                && $0.contains("entry.request=1700000000.5") }, "\(logs.all.filter { $0.hasPrefix("error") })")
            h.memory?.faults.diskFull = false
            let kept = try await h.call("hangup", dial: "011442079460000", extra: "&dialstatus=ANSWER&answeredat=1&endedat=2&duration=3",
                                        dead: true)
            #expect(kept[variable: "ACCTCODES_LOGGED"] == "NO_ENTRY")
        }
    }

    /// The store unreachable when the call asks (a lost connection, a failing disk): the failure
    /// policy decides, emergency calls pass, and the entry says why.
    @Test(arguments: [FailMode.closed, .open])
    func aStoreThatCannotBeReadFollowsTheFailMode(_ mode: FailMode) async throws {
        try await FlowHarness.with(failMode: mode, inMemory: true) { h in
            h.memory?.faults.failingReads = true
            let record = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(record[variable: "ACCTCODE_ALLOW"] == (mode == .closed ? "0" : "1"))
            #expect(record[variable: "ACCTCODE_REASON"] == (mode == .closed ? "store-unavailable" : "store-unavailable-fail-open"))
            #expect(!record.commands.contains { $0.hasPrefix("GET DATA") }, "a caller was prompted with no store to check the code")
            let emergency = try await h.call(dial: "911")
            #expect(emergency[variable: "ACCTCODE_RESULT"] == "EMERGENCY")
            #expect(emergency[variable: "ACCTCODE_ALLOW"] == "1")
            h.memory?.faults.failingReads = false
            #expect(try h.entries().map(\.reason).first == (mode == .closed ? "store-unavailable" : "store-unavailable-fail-open"))
            // Back: the next call is checked as usual.
            #expect(try await h.call(dial: "011442079460000", keys: "1234#")[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }
}
