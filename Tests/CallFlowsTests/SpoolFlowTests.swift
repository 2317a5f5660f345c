import AccountCodes
import FakeAsterisk
import Foundation
import Store
import StoreCore
import TestSupport
import Testing

/// When the database refuses usage-log operations, the spool keeps them and they reach the log
/// through the same `UsageOperation.apply`, in order: billing after an outage is billing without one.
@Suite struct SpoolFlowTests {
    /// The same day's calls: an accepted call with its hangup, a skipped call tagged mid-call with
    /// its hangup, an unanswered call. `outage` runs between the calls' starts and the rest.
    func playTheDay(_ h: FlowHarness, outage: (() async throws -> Void)? = nil) async throws {
        _ = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "d-1")
        _ = try await h.call(dial: "2125550100", keys: "#", uniqueID: "d-2")
        _ = try await h.call(dial: "011442079460000", keys: "0042#", uniqueID: "d-3")
        if let outage { try await outage() }
        _ = try await h.call("tag", dial: "2125550100", keys: "0042#", uniqueID: "d-2")
        for (id, status, answered, ended, duration) in [("d-1", "ANSWER", "100.0", "161.5", "70"), ("d-2", "ANSWER", "10", "131", "140"),
                                                       ("d-3", "NOANSWER", "", "", "30")] {
            _ = try await h.call("hangup", dial: "x", uniqueID: id,
                                 extra: "&dialstatus=\(status)&answeredat=\(answered)&endedat=\(ended)&duration=\(duration)", dead: true)
        }
    }

    /// What billing sees, without row ids and times of day.
    func billing(_ h: FlowHarness) throws -> ([CodeTotal], [String]) {
        let rows = try h.entries().map { "\($0.uniqueID) \($0.route) \($0.result) \($0.billingCode ?? "-") \($0.billsec ?? -1) \($0.duration ?? -1)" }
        return (try h.store.usageTotals(UsageFilter(accountID: "default")), rows.sorted())
    }

    /// The day without an outage, as billing sees it.
    func calmBilling() async throws -> ([CodeTotal], [String]) {
        try await FlowHarness.with(spool: .besideDatabase) { calm in
            try await playTheDay(calm)
            return try billing(calm)
        }
    }

    @Test func billingIsTheSameWithAndWithoutAnOutage() async throws {
        let expected = try await calmBilling()
        #expect(expected.0 == [CodeTotal(code: "0042", description: "Widget", calls: 2, billsec: 121, billableMinutes: 3),
                               CodeTotal(code: "1234", description: "Acme", calls: 1, billsec: 61, billableMinutes: 2)])
        try await FlowHarness.with(spool: .besideDatabase) { stormy in
            let spool = try #require(stormy.flows.spool)
            try await playTheDay(stormy) {
                try await stormy.sqlite("ALTER TABLE usage RENAME TO usage_gone")
            }
            #expect(spool.hasEntries, "the tag and the hangups waited in the spool")
            try await stormy.sqlite("ALTER TABLE usage_gone RENAME TO usage")
            let drained = try await stormy.flows.usageLog.drainSpool()
            #expect(drained == UsageSpool.Drained(applied: 4, setAside: 0))
            #expect(try billing(stormy) == expected)
        }
    }

    /// An outage from the start: the calls' own entries are spooled too, and still bill the same.
    @Test func callsWholeInTheSpoolBillTheSame() async throws {
        let expected = try await calmBilling()
        try await FlowHarness.with(spool: .besideDatabase) { stormy in
            try await stormy.sqlite("ALTER TABLE usage RENAME TO usage_gone")
            try await playTheDay(stormy)
            try await stormy.sqlite("ALTER TABLE usage_gone RENAME TO usage")
            #expect(try await stormy.flows.usageLog.drainSpool().applied == 7)
            #expect(try billing(stormy) == expected)
        }
    }

    /// A crash during a drain, after the commit and before the spool was emptied, replays the same
    /// spool again: nothing changes the second time.
    @Test func drainingTheSameSpoolTwiceChangesNothing() async throws {
        try await FlowHarness.with(spool: .besideDatabase) { h in
            let spool = try #require(h.flows.spool)
            try await h.sqlite("ALTER TABLE usage RENAME TO usage_gone")
            try await playTheDay(h)
            try await h.sqlite("ALTER TABLE usage_gone RENAME TO usage")
            let copy = try Data(contentsOf: URL(fileURLWithPath: spool.path))
            try await h.flows.usageLog.drainSpool()
            let once = try billing(h)
            try copy.write(to: URL(fileURLWithPath: spool.path))
            let again = UsageSpool(path: spool.path)
            #expect(try again.drain(into: h.store).applied == 7)
            #expect(try billing(h) == once)
            #expect(try h.entries().count == 3)
        }
    }

    /// A line cut off mid-write (a crash, a full disk) is set aside; every whole line, before or
    /// after it, reaches the log, and the next line written starts on a line of its own.
    @Test func aTornSpoolLosesNothingWrittenWhole() async throws {
        try await FlowHarness.with(spool: .besideDatabase) { h in
            let spool = try #require(h.flows.spool)
            try await h.sqlite("ALTER TABLE usage RENAME TO usage_gone")
            _ = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "t-1")
            _ = try await h.call(dial: "011442079460000", keys: "0042#", uniqueID: "t-2")
            // The disk fills in the middle of the third line.
            let whole = try Data(contentsOf: URL(fileURLWithPath: spool.path))
            let lines = whole.split(separator: UInt8(ascii: "\n"))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spool.path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(lines[0].prefix(lines[0].count / 2)))
            try handle.close()
            // The disk is freed: calls go on, their lines after the torn one.
            let record = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "t-3")
            #expect(record[variable: "ACCTCODE_ALLOW"] == "1")
            try await h.sqlite("ALTER TABLE usage_gone RENAME TO usage")
            #expect(try await h.flows.usageLog.drainSpool() == UsageSpool.Drained(applied: 3, setAside: 1))
            #expect(Set(try h.entries().map(\.uniqueID)) == ["t-1", "t-2", "t-3"])
            #expect(!FileManager.default.fileExists(atPath: spool.path))
            let setAside = try String(contentsOfFile: spool.tornPath, encoding: .utf8)
            #expect(setAside.split(separator: "\n").count == 1)
        }
    }

    /// Nobody has to call after the outage: the drainer moves the spool in by itself.
    @Test func theSpoolDrainsByItselfOnceTheDatabaseTakesWrites() async throws {
        try await FlowHarness.with(spool: .besideDatabase, inMemory: true) { h in
            let drainer = Task { await h.flows.usageLog.runDrainer(every: .milliseconds(20)) { _ in } }
            h.memory?.faults.writeLockHeld = true
            for i in 1...3 {
                let record = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "n-\(i)")
                #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED", "a spooled entry is as good as a committed one")
            }
            #expect(try h.entries().isEmpty)
            #expect(h.flows.spool?.hasEntries == true)
            h.memory?.faults.writeLockHeld = false
            try await ChildProcess.waitUntil("the spool to drain") { try h.entries().count == 3 }
            #expect(try h.entries().map(\.uniqueID) == ["n-1", "n-2", "n-3"])
            #expect(h.flows.spool?.hasEntries == false)
            drainer.cancel()
        }
    }

    /// A spool written by the previous version (usage rows, not operations) is read as what its
    /// rows stood for: a hangup row completes its call instead of billing a row of its own.
    @Test func aSpoolFromThePreviousVersionIsReadAsOperations() async throws {
        try await FlowHarness.with(spool: .besideDatabase) { h in
            let spool = try #require(h.flows.spool)
            _ = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "old-1")
            var hangup = UsageEntry(startedAt: Date(timeIntervalSince1970: 1_790_000_000), route: "hangup", accountID: "default",
                                    user: "1001", callerID: "1001", dialed: "011442079460000", callClass: "unknown", asked: "none",
                                    incorrectEntries: 0, result: "HANGUP", reason: "no-outbound-entry", code: nil, uniqueID: "old-1",
                                    linkedID: "old-1", channel: "PJSIP/1001-1")
            hangup.billsec = 61
            hangup.disposition = "ANSWERED"
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            try (encoder.encode(hangup) + Data("\n".utf8)).write(to: URL(fileURLWithPath: spool.path))
            #expect(try UsageSpool(path: spool.path).drain(into: h.store).applied == 1)
            let entries = try h.entries()
            #expect(entries.count == 1 && entries[0].billsec == 61 && entries[0].code == "1234")
        }
    }

    @Test func aCallIsDeniedOnlyWhenNeitherTheLogNorTheSpoolTakesItsEntry() async throws {
        try await FlowHarness.with(spool: .at("/nonexistent-dir/acctcodes.spool.jsonl")) { h in
            try await h.sqlite("ALTER TABLE usage RENAME TO usage_gone")
            let record = try await h.call(dial: "011442079460000", keys: "1234#")
            #expect(record[variable: "ACCTCODE_ALLOW"] == "0")
            #expect(record[variable: "ACCTCODE_REASON"] == "usage-log-unavailable")
        }
    }

    // MARK: Another process holding the write lock

    /// 911 is answered while the lock is held, even with a store that would wait a minute for it:
    /// its entry follows. (Before, the answer waited for the commit: up to the busy timeout.)
    @Test func emergencyIsAnsweredWhileAnotherProcessHoldsTheWriteLock() async throws {
        try await FlowHarness.with(spool: .besideDatabase, busyTimeout: 60) { h in
            let locker = try await DatabaseLocker(path: h.store.path)
            let record = try await h.call(dial: "911", uniqueID: "e-1", waitForDetachedEntries: false)
            let answeredWhileLocked = try h.store.usage(UsageFilter(accountID: "default")).isEmpty
            await locker.release()
            #expect(record[variable: "ACCTCODE_RESULT"] == "EMERGENCY" && record[variable: "ACCTCODE_ALLOW"] == "1")
            #expect(record.ending == .serverClosed, "answered before the fake's own 20 s bound")
            #expect(answeredWhileLocked)
            try await ChildProcess.waitUntil("the emergency entry") { try h.entries().map(\.uniqueID) == ["e-1"] }
        }
    }

    /// An ordinary call waits for the lock no longer than the store's busy timeout (serve's
    /// --commit-wait): then its entry is spooled, durable, and the call is answered.
    @Test func aCallWaitsForTheLockNoLongerThanTheCommitBound() async throws {
        try await FlowHarness.with(spool: .besideDatabase, busyTimeout: 0.05) { h in
            let locker = try await DatabaseLocker(path: h.store.path)
            let record = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "w-1")
            #expect(h.flows.spool?.hasEntries == true)
            await locker.release()
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED" && record[variable: "ACCTCODE_ALLOW"] == "1")
            try await h.flows.usageLog.drainSpool()
            #expect(try h.entries().map(\.uniqueID) == ["w-1"])
        }
    }
}
