import Foundation
import Store
import StoreCore
import Testing

/// Billing through the CLI (issue 24): terms, the report, and a call's code corrected afterwards.
@Suite struct BillingCLITests {
    /// Two calls billed to 1234; one is corrected to 5678 with a reason: the report bills it there,
    /// the entry keeps the code as keyed, the audit log has who and why, and undo puts it back.
    @Test func aCorrectedCallBillsToTheNewCodeAndIsAudited() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on",
                          "--billing-increment", "360", "--billing-rate", "300"])
        try await cli.ok(["code", "add", "1234", "--description", "Smith"])
        try await cli.ok(["code", "add", "5678", "--description", "Jones", "--billing-increment", "60"])
        try await cli.ok(["account", "set", "--validate-when-dialed", "on"])
        let store = try AcctcodesStore(path: cli.database)
        for (i, billsec) in [(1, 30), (2, 90)] {
            var entry = UsageEntry(route: "outbound", accountID: "default", user: "1001", callerID: "1001", dialed: "011442079460000",
                                   callClass: "international", asked: "required", incorrectEntries: 0, result: "ACCEPTED",
                                   reason: "code-valid", code: "1234", uniqueID: "c.\(i)", linkedID: "c.\(i)", channel: "SIP/1001-\(i)")
            entry.billsec = billsec
            try store.applyUsage([.record(entry: entry)])
        }
        let id = try #require(try store.usage(UsageFilter(accountID: "default")).first { $0.uniqueID == "c.2" }?.id)
        // Refused: no reason, a code of the wrong length, a code not in the list, an entry that is not there.
        #expect(try await cli.run(["usage", "correct", "\(id)", "--code", "5678"]).status != 0)
        let wrongLength = try await cli.run(["usage", "correct", "\(id)", "--code", "56789", "--reason", "typo"])
        #expect(wrongLength.status != 0 && wrongLength.stderr.contains("exactly 4 digits"))
        #expect(try await cli.run(["usage", "correct", "\(id)", "--code", "9999", "--reason", "typo"]).stderr.contains("not in the account's code list"))
        #expect(try await cli.run(["usage", "correct", "999999", "--code", "5678", "--reason", "typo"]).stderr.contains("not found"))

        #expect(try await cli.ok(["usage", "correct", "\(id)", "--code", "5678", "--reason", "keyed 1234 for Jones by mistake"])
                == "call \(id) now bills to 5678\n")
        let report = try await cli.ok(["usage", "report", "--csv"])
        #expect(report.contains("\n1234,Smith,1,1,30,360,0.10,360,0,300.00,30.00\n"), "\(report)")
        #expect(report.contains("\n5678,Jones,1,1,90,120,0.03,60,0,300.00,10.00\n"), "\(report)")
        let list = try await cli.ok(["usage", "list"])
        #expect(list.contains("5678*") && list.contains("corrected after the call"))
        let kept = try #require(try store.usage(UsageFilter(accountID: "default")).first { $0.id == id })
        #expect(kept.code == "1234" && kept.correction?.code == "5678" && kept.correction?.reason == "keyed 1234 for Jones by mistake")
        #expect(kept.correction?.by.hasPrefix("cli:") == true)
        let audit = try await cli.ok(["audit", "list"])
        #expect(audit.contains("usage.correct"))
        let export = try await cli.ok(["usage", "export"])
        #expect(export.split(separator: "\n").first?.hasSuffix(",pbx,corrected_code,correction_reason,transfer_to,transferred_at") == true)
        #expect(export.contains(",5678,keyed 1234 for Jones by mistake,,\n"))

        #expect(try await cli.ok(["usage", "correct", "\(id)", "--undo", "--reason", "it was Smith after all"])
                == "call \(id) bills as keyed again (1234)\n")
        #expect(try await cli.ok(["usage", "totals", "--csv"]).contains("\n1234,Smith,2,120,"))
    }
}
