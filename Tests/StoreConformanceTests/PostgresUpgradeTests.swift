import Foundation
@testable import PostgresStore
import StoreCore
import TestSupport
import Testing

/// A database an earlier version made upgrades in place: its entries become a PBX with no name
/// and requests without an id, and take their tags, hangups and replays as before.
@Suite(.enabled(if: TestPostgres.server != nil, "no PostgreSQL: set ACCTCODES_TEST_POSTGRES (.ci/run does)"))
struct PostgresUpgradeTests {
    @Test func usageEntriesFromSchemaVersion2UpgradeInPlace() async throws {
        let location = try await TestPostgres.freshDatabase()
        let old = try await PostgresStore.open(location, deadline: TestPostgres.deadline, poll: .seconds(1), callPath: false,
                                               schemaVersion: 2, logger: .init(label: "test"))
        try await old.execute(unsafeSQL: """
            INSERT INTO usage (started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason,
                               code, uniqueid, linkedid, channel)
            VALUES (1800000000123, 'outbound', 'acme', '1001', '1001', '011442079460000', 'international', 'required', 0, 'ACCEPTED',
                    'code-valid', '1234', '1.1', '1.1', 'SIP/1001-1')
            """)
        await old.close()
        let store = try await PostgresStore.open(location, deadline: TestPostgres.deadline, callPath: false)
        defer { Task { await store.close() } }
        let entries = try await store.usagePage(UsageFilter(accountID: "acme"), afterID: nil, limit: 10)
        let entry = try #require(entries.first)
        #expect(entries.count == 1 && entry.pbx == nil && entry.request == nil && entry.code == "1234")
        // The same request replayed (a spool from before the upgrade) adds nothing; its hangup finds it.
        #expect(try await store.applyUsageHere([.record(entry: entry)], replaying: true) == [.alreadyThere])
        var hangup = entry
        hangup.billsec = 30
        hangup.endedAt = Date(timeIntervalSince1970: 1_800_000_100)
        #expect(try await store.applyUsageHere([.hangup(request: hangup)], replaying: false) == [.updatedCall])
        let after = try await store.usagePage(UsageFilter(accountID: "acme"), afterID: nil, limit: 10)
        #expect(after.count == 1 && after.first?.billsec == 30)
    }
}
