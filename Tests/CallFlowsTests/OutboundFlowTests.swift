import AccountCodes
import FakeAsterisk
import Store
import StoreCore
import Testing

/// Every row of the decision table and every outcome, end to end over TCP, with the usage log after each.
@Suite struct OutboundFlowTests {
    @Test func acceptedCodeSetsTheCDRAndLogsTheCall() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(dial: "011442079460000", keys: "9999#0042#", uniqueID: "u-1")
            #expect(record.commands == [
                // The third prompt is the second played again: the first took the `#` left after 9999.
                "ANSWER", "GET DATA acctcodes/enter-code 5000 4", "GET DATA acctcodes/invalid-try-again 5000 4",
                "GET DATA acctcodes/invalid-try-again 5000 4",
                "EXEC MSet \"ACCTCODE=0042,CHANNEL(accountcode)=0042,ACCTCODE_CLASS=international,ACCTCODE_REASON=code-valid,"
                    + "ACCTCODE_RESULT=ACCEPTED,ACCTCODE_ALLOW=1\"",
            ])
            #expect(record.assignments.map { "\($0.name)=\($0.value)" } == Self.acceptedAssignments)
            let entry = try #require(try h.entries().first)
            #expect(entry.result == "ACCEPTED" && entry.code == "0042" && entry.incorrectEntries == 1)
            #expect(entry.callClass == "international" && entry.asked == "required" && entry.uniqueID == "u-1" && entry.user == "1001")
        }
    }

    static let acceptedAssignments = [
        "ACCTCODE=0042", "CHANNEL(accountcode)=0042", "ACCTCODE_CLASS=international", "ACCTCODE_REASON=code-valid",
        "ACCTCODE_RESULT=ACCEPTED", "ACCTCODE_ALLOW=1",
    ]

    /// `--no-mset`: one `SET VARIABLE` per variable, the allow last.
    @Test func withoutMSetEachVariableIsItsOwnCommand() async throws {
        try await FlowHarness.with(mset: false) { h in
            let record = try await h.call(dial: "011442079460000", keys: "0042#")
            #expect(Array(record.commands.dropFirst(2)) == [
                "SET VARIABLE ACCTCODE 0042", "SET VARIABLE CHANNEL(accountcode) 0042", "SET VARIABLE ACCTCODE_CLASS international",
                "SET VARIABLE ACCTCODE_REASON code-valid", "SET VARIABLE ACCTCODE_RESULT ACCEPTED", "SET VARIABLE ACCTCODE_ALLOW 1",
            ])
            #expect(record.assignments.map { "\($0.name)=\($0.value)" } == Self.acceptedAssignments)
        }
    }

    /// An Asterisk without MSet answers `EXEC` with `result=-2`: the variables still get set, one by one.
    @Test func anAsteriskWithoutMSetStillGetsEveryVariable() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(dial: "011442079460000", keys: "0042#", missingApplications: ["MSet"])
            #expect(record.commands.filter { $0.hasPrefix("EXEC MSet") }.count == 1)
            #expect(record.commands.filter { $0.hasPrefix("SET VARIABLE") }.count == 6)
            #expect(record.assignments.map { "\($0.name)=\($0.value)" } == Self.acceptedAssignments)
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var user: String
        var dial: String
        var keys: String
        var result: String
        var allow: String
        var reason: String
        var prompts: Int
        var testDescription: String { "\(user) -> \(dial) \(keys) = \(result)/\(reason)" }
    }

    static let rows: [Row] = [
        Row(user: "1001", dial: "911", keys: "", result: "EMERGENCY", allow: "1", reason: "emergency", prompts: 0),
        Row(user: "1003", dial: "9911", keys: "", result: "EMERGENCY", allow: "1", reason: "emergency", prompts: 0),
        Row(user: "1002", dial: "011442079460000", keys: "", result: "NOTREQUIRED", allow: "1", reason: "user-not-enabled", prompts: 0),
        Row(user: "1003", dial: "2125550100", keys: "1234#", result: "ACCEPTED", allow: "1", reason: "code-valid", prompts: 1),
        Row(user: "1003", dial: "2125550100", keys: "#5555#1111#", result: "DENIED", allow: "0", reason: "max-retries", prompts: 4),
        Row(user: "1001", dial: "1003", keys: "", result: "NOTREQUIRED", allow: "1", reason: "internal", prompts: 0),
        Row(user: "1001", dial: "19005551234", keys: "###", result: "DENIED", allow: "0", reason: "max-retries", prompts: 3),
        Row(user: "1001", dial: "2125550100", keys: "#", result: "SKIPPED", allow: "1", reason: "skipped", prompts: 1),
        Row(user: "1001", dial: "2125550100", keys: "12,9,0000#", result: "PROCEED_NO_CODE", allow: "1", reason: "max-retries-proceed", prompts: 3),
        Row(user: "1001", dial: "5550100", keys: "1234#", result: "ACCEPTED", allow: "1", reason: "code-valid", prompts: 1),
    ]

    @Test(arguments: rows)
    func decisionTableRow(row: Row) async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(user: row.user, dial: row.dial, keys: row.keys)
            #expect(record[variable: "ACCTCODE_RESULT"] == row.result)
            #expect(record[variable: "ACCTCODE_ALLOW"] == row.allow)
            #expect(record[variable: "ACCTCODE_REASON"] == row.reason)
            #expect(record.prompts.count == row.prompts)
            #expect(record[variable: "CHANNEL(accountcode)"] == (row.result == "ACCEPTED" ? "1234" : nil))
            let entries = try h.entries()
            #expect(entries.count == 1)
            #expect(entries.first?.result == row.result)
            #expect(entries.first?.code == (row.result == "ACCEPTED" ? "1234" : nil), "a rejected entry is never stored")
        }
    }

    @Test func requireForInternalAndCollectionRequiredAndOff() async throws {
        try await FlowHarness.with(configure: { account in
            account.defaults.requireForInternal = true
            account.defaults.proceedAfterMaxRetries = true
            account.defaults.collection = .required
        }) { h in
            let internalCall = try await h.call(dial: "1003", keys: "1234#")
            #expect(internalCall[variable: "ACCTCODE_REASON"] == "code-valid")
            #expect(internalCall.prompts == ["acctcodes/enter-code"])
            let required = try await h.call(dial: "2125550100", keys: "###")
            #expect(required[variable: "ACCTCODE_RESULT"] == "PROCEED_NO_CODE", "# does not skip; the account lets it proceed")
            var account = try await #require(try h.store.account("default"))
            account.defaults.collection = .off
            try h.store.saveAccount(account)
            let off = try await h.call(dial: "2125550100")
            #expect(off[variable: "ACCTCODE_REASON"] == "collection-off", "a CLI change applies to the next call")
        }
    }

    @Test func codesOffAndAbovePermissionIsDeniedWithoutPrompt() async throws {
        try await FlowHarness.with(configure: { $0.defaults.allowAccountCodes = false }) { h in
            let denied = try await h.call(user: "1003", dial: "2125550100")
            #expect(denied[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(denied[variable: "ACCTCODE_REASON"] == "above-permission")
            #expect(denied.prompts.isEmpty)
            let local = try await h.call(user: "1003", dial: "5550100")
            #expect(local[variable: "ACCTCODE_RESULT"] == "NOTREQUIRED")
        }
    }

    /// A caller ID that is no user opens nothing a code guards (it may be spoofed), and is logged.
    @Test func unknownCallerIsRefusedWhereACodeIsNeeded() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(user: "7777", dial: "011442079460000")
            #expect(record[variable: "ACCTCODE_RESULT"] == "DENIED")
            #expect(record[variable: "ACCTCODE_REASON"] == "unknown-caller")
            #expect(record.prompts.isEmpty)
            #expect(try h.entries().first?.user == "7777")
            #expect(try h.entries().first?.reason == "unknown-caller")
        }
    }
}
