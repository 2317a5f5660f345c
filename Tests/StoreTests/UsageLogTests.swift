import AccountCodes
import Foundation
import GRDB
@testable import Store
import StoreCore
import Testing

@Suite struct UsageLogTests {
    /// Calls start 10 minutes before now: a hangup cannot bill more than the call's age.
    func entry(_ uniqueID: String, user: String = "1001", code: String? = nil, at date: Date = Date(timeIntervalSinceNow: -600),
               route: String = "outbound") -> UsageEntry {
        UsageEntry(startedAt: date, route: route, accountID: "default", user: user, callerID: user, dialed: "011442079460000",
                   callClass: "international", asked: "required", incorrectEntries: 0, result: code == nil ? "NOTREQUIRED" : "ACCEPTED",
                   reason: "test", code: code, uniqueID: uniqueID, linkedID: uniqueID, channel: "PJSIP/\(user)-1")
    }

    func ended(_ request: UsageEntry, duration: Int, billsec: Int) -> UsageEntry {
        var request = request
        request.endedAt = Date()
        request.disposition = billsec > 0 ? "ANSWER" : "NOANSWER"
        request.duration = duration
        request.billsec = billsec
        return request
    }

    @Test func appendsHangupTagAndTotals() async throws {
        let store = try configuredStore()
        try store.addCode(AccountCode(accountID: "default", code: "1234", description: "Acme"))
        let writer = UsageLogWriter(store: store)
        try await writer.append(.record(entry: entry("1.1", code: "1234")))
        try await writer.append(.record(entry: entry("1.2", user: "1002", code: "1234")))
        try await writer.append(.record(entry: entry("1.3")))
        #expect(try await writer.append(.hangup(request: ended(entry("1.1", route: "hangup"), duration: 100, billsec: 61))) == .updatedCall)
        #expect(try await writer.append(.hangup(request: ended(entry("1.2", route: "hangup"), duration: 30, billsec: 20))) == .updatedCall)
        #expect(try await writer.append(.tag(request: entry("1.3", route: "tag"), code: "5678")) == .updatedCall)
        #expect(try await writer.append(.hangup(request: ended(entry("9.9", route: "hangup"), duration: 5, billsec: 0)))
            == .insertedForMissingCall)

        let all = try store.usage(UsageFilter(accountID: "default"))
        #expect(all.count == 4)
        #expect(all[0].billsec == 61 && all[0].disposition == "ANSWER")
        #expect(all[2].billingCode == "5678")
        #expect(all[3].route == "hangup")
        #expect(try store.usage(UsageFilter(accountID: "default", user: "1002")).map(\.uniqueID) == ["1.2"])
        #expect(try store.usage(UsageFilter(accountID: "default", code: "5678")).map(\.uniqueID) == ["1.3"])
        let totals = try await store.usageTotals(UsageFilter(accountID: "default"))
        #expect(totals == [
            CodeTotal(code: "1234", description: "Acme", calls: 2, billsec: 81, billableMinutes: 3),
            CodeTotal(code: "5678", description: "", calls: 1, billsec: 0, billableMinutes: 0, listed: false),
        ])
    }

    /// A hangup that claims more time than the call has had on the server's clock (a forged
    /// request, a PBX clock gone wrong) bills the call's age at most; an honest one is kept.
    @Test func aHangupBillsNoMoreThanTheCallsAge() async throws {
        let store = try configuredStore()
        let writer = UsageLogWriter(store: store)
        let young = entry("2.1", code: "1234", at: Date(timeIntervalSinceNow: -30))
        try await writer.append(.record(entry: young))
        try await writer.append(.record(entry: entry("2.2", code: "1234")))
        try await writer.append(.hangup(request: ended(entry("2.1", route: "hangup"), duration: 3600, billsec: 3599)))
        try await writer.append(.hangup(request: ended(entry("2.2", route: "hangup"), duration: 130, billsec: 120)))
        let all = try store.usage(UsageFilter(accountID: "default"))
        let clamped = try #require(all.first { $0.uniqueID == "2.1" })
        // The call's age when the hangup was written: at least 30 s, at most its age now (a slow
        // machine makes it older), plus the clamp's one second.
        let ageNow = Int(Date().timeIntervalSince(young.startedAt).rounded(.up))
        #expect((30...(ageNow + 1)).contains(clamped.billsec ?? -1) && clamped.duration == 3600)
        #expect(all.first { $0.uniqueID == "2.2" }?.billsec == 120)
    }

    /// Rows written raw by an earlier version (the v4 migration bounds them) or by hand cannot
    /// make the totals overflow or go negative.
    @Test func totalsCannotOverflow() async throws {
        let store = try configuredStore()
        try await UsageLogWriter(store: store).append(.record(entry: entry("3.1", code: "1234")))
        try await UsageLogWriter(store: store).append(.record(entry: entry("3.2", code: "1234")))
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE usage SET billsec = 9223372036854775807 WHERE uniqueid = '3.1'")
            try db.execute(sql: "UPDATE usage SET billsec = -100000 WHERE uniqueid = '3.2'")
        }
        let totals = try await store.usageTotals(UsageFilter(accountID: "default"))
        #expect(totals.map(\.billsec) == [CallEnd.longestCall])
    }

    /// Every field, set and unset, comes back as written (the insert binds with SQLite's own calls).
    @Test func everyFieldRoundTrips() async throws {
        let store = try configuredStore()
        var full = entry("1700000000.42", code: "0042", at: Date(timeIntervalSince1970: 1_700_000_000.125))
        full.callerID = "Zoë \"O'Brien\" 1001"
        full.channel = "PJSIP/trunk-é,tail"
        full.incorrectEntries = 2
        full.tagCode = "0043"
        full.taggedAt = Date(timeIntervalSince1970: 1_700_000_030.5)
        full.endedAt = Date(timeIntervalSince1970: 1_700_000_090)
        full.disposition = "ANSWERED"
        full.duration = 90
        full.billsec = 61
        // Bound with SQLite's own calls (`RawBinding`): every column, an empty text kept apart from none.
        full.pbx = "pbx-é"
        full.request = "req-1"
        full.correction = UsageCorrection(code: "0044", reason: "Wrong client\tkeyed", by: "admin", at: Date(timeIntervalSince1970: 1_700_000_200))
        full.transferTo = "2001"
        full.transferredAt = Date(timeIntervalSince1970: 1_700_000_060.25)
        var bare = entry("1700000000.43", at: Date(timeIntervalSince1970: 1_700_000_001.5))
        bare.callerID = ""
        bare.disposition = ""
        try store.applyUsage([.record(entry: full), .record(entry: bare)])
        var stored = try store.usage(UsageFilter(accountID: "default"))
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0.id != nil })
        for index in stored.indices { stored[index].id = nil }
        #expect(stored == [full, bare])
    }

    @Test func dateRangeFilters() throws {
        let store = try configuredStore()
        let day: TimeInterval = 86_400
        let base = Date(timeIntervalSince1970: 1_790_000_000)
        try store.pool.write { db in
            for i in 0..<5 { try UsageOperation.record(entry: entry("d\(i)", at: base + Double(i) * day)).apply(db, replaying: false) }
        }
        let middle = try store.usage(UsageFilter(accountID: "default", from: base + day, to: base + 3 * day))
        #expect(middle.map(\.uniqueID) == ["d1", "d2"])
    }

    @Test func concurrentAppendsShareCommits() async throws {
        let store = try configuredStore()
        let writer = UsageLogWriter(store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<500 { group.addTask { try await writer.append(.record(entry: self.entry("c.\(i)"))) } }
            try await group.waitForAll()
        }
        #expect(writer.written == 500)
        #expect(writer.batches < 500, "concurrent entries were batched")
        #expect(try store.usage(UsageFilter(accountID: "default")).count == 500)
    }

    /// A failed commit fails every entry of its batch, and the writer goes on afterwards.
    @Test func aRefusedBatchFailsItsCallersOnly() async throws {
        let store = try configuredStore()
        let writer = UsageLogWriter(store: store)
        try store.write { db in try db.execute(sql: "ALTER TABLE usage RENAME TO usage_away") }
        await #expect(throws: StoreError.self) { try await writer.append(.record(entry: self.entry("refused"))) }
        try store.write { db in try db.execute(sql: "ALTER TABLE usage_away RENAME TO usage") }
        try await writer.append(.record(entry: entry("after")))
        #expect(try store.usage(UsageFilter(accountID: "default")).map(\.uniqueID) == ["after"])
    }

    /// Dates are written as GRDB writes them, so its readers and range filters see the same value.
    @Test func storageDatesMatchGRDBsOwnFormat() {
        var generator = SystemRandomNumberGenerator()
        let dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_351_624.9999), Date(timeIntervalSince1970: -1.5)]
            + (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator)) }
        for date in dates {
            #expect(StorageDate.string(date) == String.fromDatabaseValue(date.databaseValue), "\(date.timeIntervalSince1970)")
        }
    }

    /// Exports write the same second as the stored form, in ISO 8601 (what Foundation's formatter writes).
    @Test func exportTimesAreTheStoredSecondInISO8601() {
        var generator = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        let dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_351_624.9999), Date(timeIntervalSince1970: -1.5)]
            + (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator)) }
        for date in dates {
            let stored = StorageDate.string(date)
            let second = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000).timeIntervalSince1970.rounded(.down)
            #expect(StorageDate.iso8601(date) == formatter.string(from: Date(timeIntervalSince1970: second)), "\(stored)")
            #expect(StorageDate.iso8601(date).dropLast() == stored.prefix(19).replacingOccurrences(of: " ", with: "T"), "\(stored)")
        }
    }

    /// Replaying operations already applied (a drain again after a crash) changes nothing.
    @Test func everyOperationIsIdempotent() throws {
        let store = try configuredStore()
        let operations: [UsageOperation] = [
            .record(entry: self.entry("i.1", code: "1234", at: Date(timeIntervalSince1970: 1_790_000_000.123))),
            .tag(request: self.entry("i.1", at: Date(timeIntervalSince1970: 1_790_000_010), route: "tag"), code: "5678"),
            .hangup(request: ended(self.entry("i.1", at: Date(timeIntervalSince1970: 1_790_000_060), route: "hangup"), duration: 70, billsec: 61)),
            .hangup(request: ended(self.entry("i.2", at: Date(timeIntervalSince1970: 1_790_000_061), route: "hangup"), duration: 9, billsec: 0)),
            .tag(request: self.entry("i.3", at: Date(timeIntervalSince1970: 1_790_000_062), route: "tag"), code: "1234"),
        ]
        try store.applyUsage(operations)
        let once = try store.usage(UsageFilter(accountID: "default"))
        // A tag or hangup sets the same values again; a request is not inserted twice.
        #expect(try store.applyUsage(operations, replaying: true) == [.alreadyThere, .updatedCall, .updatedCall, .alreadyThere, .updatedCall])
        #expect(try store.usage(UsageFilter(accountID: "default")) == once)
        #expect(once.count == 3)
    }
}

/// The one reading of a period the CLI, the API and the console share.
@Suite struct UsagePeriodTests {
    @Test func bothDaysAreIncludedWhole() throws {
        let filter = try UsageFilter(accountID: "a", fromDay: "2026-11-01", toDay: "2026-11-30")
        #expect(filter.from == UsageFilter.day("2026-11-01"))
        #expect(filter.to == UsageFilter.day("2026-12-01"), "the last day counts to its end")
        let open = try UsageFilter(accountID: "a", fromDay: nil, toDay: nil)
        #expect(open.from == nil && open.to == nil)
    }

    @Test(arguments: [("2026-13-01", "2026-11-30", "from"), ("2026-11-01", "30/11/2026", "to"), ("yesterday", nil, "from")])
    func whichEndIsNotADayIsNamed(_ from: String, _ to: String?, _ end: String) {
        #expect(throws: UsageFilter.NotADay(end: end)) { try UsageFilter(accountID: "a", fromDay: from, toDay: to) }
    }
}
