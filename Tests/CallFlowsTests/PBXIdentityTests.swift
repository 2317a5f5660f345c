import AccountCodes
import FakeAsterisk
import StoreCore
import Testing

/// Two PBXs on one server hand out the same uniqueids (Asterisk's `epoch.sequence` without
/// `systemname`): the shipped routines send each PBX's name, and each PBX's hangup bills its own call.
@Suite struct PBXIdentityTests {
    /// The URL a shipped routine sends, from the channel variables the outbound routine leaves.
    func run(_ h: FlowHarness, _ context: String, pbx: String, uniqueID: String, user: String, keys: String = "",
             variables: [String: String] = [:]) async throws -> SessionRecord {
        let url = ShippedDialplan.expand(try ShippedDialplan.load().agiArgument(in: context), variables: [
            "ACCTCODES_URL": "agi://127.0.0.1:\(h.port)", "LOCAL(account)": "default", "ACCTCODES_ACCOUNT_ID": "default",
            "CALLERID(num)": user, "ARG1": "011442079460000", "CHANNEL(linkedid)": uniqueID, "ACCTCODES_PBX_NAME": pbx,
            "LOCAL(request)": "1700000000.000042", "LOCAL(url)": "agi://127.0.0.1:\(h.port)",
        ].merging(variables) { $1 })
        #expect(url.contains("&pbx=") && url.contains("&request=1700000000.000042"), "\(context) sends the PBX and the request id")
        var environment = SessionEnvironment(script: ShippedDialplan.script(ofURL: url))
        environment.uniqueID = uniqueID
        environment.callerID = user
        var script = CallScript(keys: keys, startsDead: context == "acctcodes-hangup")
        script.variables = variables
        return try await h.run(environment, script: script)
    }

    @Test func twoPBXsWithCollidingUniqueidsEachBillTheirOwnCall() async throws {
        try await FlowHarness.with { h in
            var bob = try #require(try await h.store.user(account: "default", extension: "1002"))
            bob.enabled = true
            try h.store.saveUser(bob, create: false)
            _ = try h.store.importCodes(account: "default", csv: "code,description,active\n5555,Other client,1\n")
            let a = try await run(h, "acctcodes-outbound", pbx: "pbx a", uniqueID: "1700000000.42", user: "1001", keys: "1234#")
            let b = try await run(h, "acctcodes-outbound", pbx: "pbx-b", uniqueID: "1700000000.42", user: "1002", keys: "5555#")
            #expect(a[variable: "ACCTCODE_RESULT"] == "ACCEPTED" && b[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
            let ended = try await run(h, "acctcodes-hangup", pbx: "pbx a", uniqueID: "1700000000.42", user: "1001", variables: [
                "DIALSTATUS": "ANSWER", "SHARED(ACCTCODES_ANSWERED_AT)": "1795400010.200", "LOCAL(ended)": "1795400014.700",
                "CDR(duration)": "17",
            ])
            #expect(ended[variable: "ACCTCODES_LOGGED"] == "RECORDED")
            let entries = try h.entries()
            #expect(entries.count == 2)
            let first = try #require(entries.first { $0.pbx == "pbx a" })
            let second = try #require(entries.first { $0.pbx == "pbx-b" })
            #expect(first.code == "1234" && first.billsec == 4, "pbx a's call billed")
            #expect(second.code == "5555" && second.billsec == nil, "pbx a's hangup billed pbx-b's call")
        }
    }

    /// A PBX name and a request id are a peer's text: kept safe and bounded, never refused.
    @Test func aHostilePBXNameOrRequestIDIsCleanedOrIgnored() async throws {
        try await FlowHarness.with { h in
            let long = String(repeating: "x", count: 200)
            var environment = SessionEnvironment.call(route: "outbound", account: "default", user: "1001", dial: "011442079460000",
                                                      uniqueID: "1700000000.50", pbx: "evil\u{1B}[31m\n" + long, request: "1;DROP TABLE")
            environment.callerID = "1001"
            let record = try await h.run(environment, script: CallScript(keys: "1234#"))
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
            let entry = try #require(try h.entries().first)
            #expect(entry.pbx == "evil[31m" + String(repeating: "x", count: 56), "\(entry.pbx ?? "nil")")
            #expect(entry.request == nil, "a request id the dialplan would not make is ignored")
        }
    }
}
