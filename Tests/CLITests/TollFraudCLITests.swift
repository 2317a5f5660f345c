import Foundation
import Store
import StoreCore
import Testing

@Suite struct TollFraudCLITests {
    @Test func theDefensesAreSetShownAndExplained() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on", "--calls-requiring-codes", "international",
                          "--lockout-after", "3", "--lockout-minutes", "15"])
        try await cli.ok(["account", "set", "--account", "acme", "--name", "Acme"])
        let note = try await cli.ok(["account", "set", "--allowed-sources", "10.1.2.0/24"])
        #expect(note.contains("these list none and refuse every PBX: acme"))
        let bad = try await cli.run(["account", "set", "--allowed-sources", "10.1.2.0/33"])
        #expect(bad.status != 0 && bad.stderr.contains("is not an IP address or network"))
        let shown = try await cli.ok(["account", "show"])
        #expect(shown.contains("after 3 incorrect entries in 60 min, for 15 min"))
        #expect(shown.contains("unknown callers             refuse"))
        #expect(shown.contains("allowed sources             10.1.2.0/24"))

        try await cli.ok(["user", "add", "1001", "--enabled"])
        try await cli.ok(["code", "add", "1234", "--level", "national", "--users", "1001", "--valid-until", "2099-12-31"])
        #expect(try await cli.ok(["code", "list"]).contains("users=1001 level=national until=2099-12-31"))
        let refused = try await cli.ok(["explain", "--user", "1001", "--dial", "011442079460000", "--code", "1234", "--source", "127.0.0.1"])
        #expect(refused.contains("REFUSED: this source may not act for the account"))
        #expect(refused.contains("1234: refused (above-level)"))
        let stranger = try await cli.ok(["explain", "--user", "5550100", "--dial", "011442079460000", "--source", "10.1.2.3"])
        #expect(stranger.contains("request     served"))
        #expect(stranger.contains("(unknown callers: refused where a code is needed (refuse))"))
        #expect(stranger.contains("DENIED (no prompt) (unknown-caller)"))

        let unlock = try await cli.ok(["user", "unlock", "1001"])
        #expect(unlock == "user:1001 was not locked; its incorrect entries are forgotten\n")
        #expect(try await cli.ok(["lockout", "list"]) == "SUBJECT  LOCKED AT  UNTIL  ENTRIES  STRIKES\n")
        let wrong = try await cli.run(["lockout", "clear", "1001"])
        #expect(wrong.status != 0 && wrong.stderr.contains("user:EXT or device:NAME"))
        #expect(try await cli.ok(["serve", "--help"]).contains("--alert-command"))
    }

    @Test func usageExportsNeutralizeFormulas() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4"])
        let store = try AcctcodesStore(path: cli.database)
        let entry = UsageEntry(startedAt: Date(), route: "outbound", accountID: "default", user: "=cmd|' /C calc'!A0",
                               callerID: "@SUM(1+1)", dialed: "+442079460000", callClass: "international", asked: "none",
                               incorrectEntries: 0, result: "NOTREQUIRED", reason: "codes-off", code: nil, uniqueID: "1.1",
                               linkedID: "1.1", channel: "-2+3")
        try store.applyUsage([.record(entry: entry)])
        let csv = try await cli.ok(["usage", "export"])
        let row = try CSV.parse(csv)[1].fields
        #expect(row[2] == "'=cmd|' /C calc'!A0" && row[3] == "'@SUM(1+1)" && row[14] == "'-2+3")
        #expect(row[4] == "+442079460000", "a phone number is kept")
    }
}
