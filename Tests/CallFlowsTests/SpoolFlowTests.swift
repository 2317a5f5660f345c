import FakeAsterisk
import Foundation
import Logging
import Store
import Testing

/// When the database refuses usage entries, a spool file keeps them until it takes writes again.
@Suite struct SpoolFlowTests {
    @Test func refusedEntriesAreSpooledThenMovedIntoTheLog() async throws {
        let h = try await FlowHarness.make(spool: .besideDatabase)
        let spool = try #require(h.flows.spool)
        try h.sqlite("ALTER TABLE usage RENAME TO usage_gone")
        let record = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "s-1")
        #expect(record[variable: "ACCTCODE_ALLOW"] == "1", "the entry is durable in the spool, so the call goes on")
        #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        _ = try await h.call("hangup", dial: "011442079460000", uniqueID: "s-1",
                             extra: "&dialstatus=ANSWER&answeredat=100&endedat=161&duration=70", dead: true)
        #expect(spool.hasEntries)
        let lines = try String(contentsOfFile: spool.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"code\":\"1234\"") && lines[1].contains("\"billsec\":61"))

        try h.sqlite("ALTER TABLE usage_gone RENAME TO usage")
        _ = try await h.call(dial: "5550100", keys: "#", uniqueID: "s-2")
        #expect(!spool.hasEntries)
        #expect(!FileManager.default.fileExists(atPath: spool.path))
        let entries = try h.entries()
        #expect(Set(entries.map(\.uniqueID)) == ["s-1", "s-2"])
        #expect(entries.first { $0.route == "outbound" && $0.uniqueID == "s-1" }?.code == "1234")
        #expect(entries.first { $0.route == "hangup" }?.billsec == 61)
        await h.stop()
    }

    @Test func aCallIsDeniedOnlyWhenNeitherTheLogNorTheSpoolTakesItsEntry() async throws {
        let h = try await FlowHarness.make(spool: .at("/nonexistent-dir/acctcodes.spool.jsonl"))
        try h.sqlite("ALTER TABLE usage RENAME TO usage_gone")
        let record = try await h.call(dial: "011442079460000", keys: "1234#")
        #expect(record[variable: "ACCTCODE_ALLOW"] == "0")
        #expect(record[variable: "ACCTCODE_REASON"] == "usage-log-unavailable")
        await h.stop()
    }

    @Test func aSpoolLeftByAnEarlierRunIsReplayedOnce() async throws {
        let h = try await FlowHarness.make()
        let spool = UsageSpool(path: h.store.path + ".spool.jsonl")
        let entry = UsageEntry(route: "outbound", accountID: "default", user: "1001", callerID: "1001", dialed: "911",
                               callClass: "emergency", asked: "none", incorrectEntries: 0, result: "EMERGENCY",
                               reason: "emergency", code: nil, uniqueID: "old-1", linkedID: "old-1", channel: "PJSIP/1001-1")
        try spool.append(entry)
        try spool.append(entry)
        // Two replays at once (two calls finding the spool): the entries go in once.
        async let first = spool.replay(into: h.store)
        async let second = spool.replay(into: h.store)
        let moved = try await first + second
        #expect(moved == 2)
        #expect(try h.entries().count == 2)
        #expect(try await spool.replay(into: h.store) == 0)
        await h.stop()
    }
}
