import AccountCodes
import Foundation
import GRDB
@testable import Store
import StoreCore
import Testing

/// A database left at any earlier schema version opens, upgrades in place and keeps what it held:
/// an account with its settings, a code, a user and a call with its hangup, written as that
/// version wrote them (raw SQL in v1's columns, which every later version keeps).
@Suite struct MigrationTests {
    static let versions = ["v1-accounts-groups-users-codes-usage", "v2-settings-revision", "v3-usage-without-code-index",
                           "v4-toll-fraud-defenses", "v5-api-tokens-audit", "v6-usage-pbx-request", "v7-console-sessions",
                           "v8-billing-terms", "v9-usage-corrections"]

    @Test(arguments: versions)
    func anEarlierSchemaUpgradesInPlaceKeepingItsData(_ version: String) throws {
        let path = temporaryPath("v-\(version.prefix(2))")
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: version)
            var account = Account(id: "default")
            account.codeLength = 4
            account.defaults.allowAccountCodes = true
            account.defaults.callsRequiringCodes = [.international]
            let settings = try JSONColumn.encode(account.defaults), plan = try JSONColumn.encode(account.plan)
            try queue.write { db in
                try db.execute(sql: "INSERT INTO account (id, name, code_length, max_retries, settings, plan) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: ["default", "Acme", 4, 3, settings, plan])
                try db.execute(sql: "INSERT INTO code (account_id, code, description, active) VALUES ('default', '1234', 'Smith v. Jones', 1)")
                try db.execute(sql: "INSERT INTO user (account_id, extension, name, enabled, overrides) VALUES ('default', '1001', 'Ann', 1, '{}')")
                try db.execute(sql: """
                    INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, result, reason, code,
                        uniqueid, linkedid, channel, ended_at, disposition, duration, billsec)
                    VALUES ('2026-11-02 10:00:00.000', 'outbound', 'default', '1001', '1001', '011442079460000', 'international',
                        'required', 'ACCEPTED', 'code-valid', '1234', '1.1', '1.1', 'SIP/1001-1', '2026-11-02 10:02:00.000', 'ANSWER', 130, 110)
                    """)
            }
        }
        let store = try AcctcodesStore(path: path)
        #expect(try store.appliedMigrations().count == Self.versions.count + 1)
        #expect(try store.account("default")?.name == "Acme")
        #expect(try store.account("default")?.billingTerms == .standard, "an account stored before billing terms bills to the second")
        #expect(try store.code(account: "default", code: "1234")?.billing == nil)
        #expect(try store.code(account: "default", code: "1234")?.description == "Smith v. Jones")
        #expect(try store.callSetup(account: "default", user: "1001", dialed: "011442079460000").callClass == .international)
        let totals = try store.usageTotals(UsageFilter(accountID: "default"))
        #expect(totals == [CodeTotal(code: "1234", description: "Smith v. Jones", calls: 1, billsec: 110, billableMinutes: 2)])
        // And it takes new calls.
        let entry = UsageEntry(route: "outbound", accountID: "default", user: "1001", callerID: "1001", dialed: "911",
                               callClass: "emergency", asked: "none", incorrectEntries: 0, result: "EMERGENCY", reason: "emergency",
                               code: nil, uniqueID: "1.2", linkedID: "1.2", channel: "SIP/1001-2")
        #expect(try store.applyUsage([.record(entry: entry)]) == [.inserted])
        // The old entry is a PBX with no name: a request that names none completes it, one from a named PBX does not.
        var hangup = entry
        hangup.uniqueID = "1.1"
        // (A later figure than the stored 110: a call's billable time is the later of its legs' ends.)
        hangup.billsec = 125
        #expect(try store.applyUsage([.hangup(request: hangup)]) == [.updatedCall])
        hangup.pbx = "pbx-b"
        #expect(try store.applyUsage([.hangup(request: hangup)]) == [.insertedForMissingCall])
        let old = try #require(try store.usage(UsageFilter(accountID: "default")).first { $0.uniqueID == "1.1" && $0.route == "outbound" })
        #expect(old.pbx == nil && old.request == nil && old.billsec == 125)
        #expect(old.correction == nil && old.billingCode == "1234", "an entry stored before corrections bills as keyed")
    }
}
