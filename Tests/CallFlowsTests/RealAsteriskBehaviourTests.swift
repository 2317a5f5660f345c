import AccountCodes
import FakeAsterisk
import Store
import StoreCore
import Testing

/// What a real Asterisk 20 did that the fake once hid: the `#` after a full-length code, the tag's
/// tenant, billable time, and `LOCAL()` outside a Gosub. Each test fails on the code before the fix.
@Suite struct RealAsteriskBehaviourTests {
    // MARK: The `#` after a full-length code

    /// Required collection: `1357#` then `1234#` is one wrong entry, not two.
    @Test func poundAfterAWrongFullLengthCodeIsNotASecondMistake() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(dial: "011442079460000", keys: "1357#1234#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED" && record[variable: "ACCTCODE"] == "1234")
            let entry = try #require(try h.entries().first)
            #expect(entry.incorrectEntries == 1)
        }
    }

    /// With max retries 2 the same caller is still let through: the leftover `#` used to deny them.
    @Test func poundAfterAWrongCodeDoesNotUseUpTheLastTry() async throws {
        try await FlowHarness.with(configure: { $0.maxRetries = 2 }) { h in
            let record = try await h.call(dial: "011442079460000", keys: "1357#1234#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
    }

    /// Optional collection: the leftover `#` is not "skip"; the caller's next code is read.
    @Test func poundAfterAWrongCodeIsNotASkip() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(dial: "2125550100", keys: "1357#1234#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED" && record[variable: "ACCTCODE_ALLOW"] == "1")
            #expect(try h.entries().first?.incorrectEntries == 1)
        }
    }

    /// A caller who hears the re-prompt and then presses `#` alone still skips.
    @Test func poundAloneAfterHearingThePromptStillSkips() async throws {
        // The fake pauses 1.5 s, longer than this window whatever the machine does.
        try await FlowHarness.with(trailingPoundWindow: .milliseconds(500)) { h in
            let record = try await h.call(dial: "2125550100", keys: "1357,#")
            #expect(record[variable: "ACCTCODE_RESULT"] == "SKIPPED")
            #expect(record.commands.filter { $0.hasPrefix("GET DATA") }.count == 2, "no prompt played again")
        }
    }

    /// A caller who keys only the digits is answered as soon as the last digit arrives.
    @Test func digitsWithoutPoundAreReadAtOnce() async throws {
        try await FlowHarness.with { h in
            let record = try await h.call(dial: "011442079460000", keys: "1234")
            #expect(record[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
            #expect(record.commands.filter { $0.hasPrefix("GET DATA") } == ["GET DATA acctcodes/enter-code 5000 4"])
        }
    }

    /// The mid-call tag: a wrong code with its `#`, then the right one, tags the call.
    @Test func tagAfterAWrongCodeWithPoundTagsTheCall() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "2125550100", keys: "#", uniqueID: "t-1")
            let tag = try await h.call("tag", dial: "2125550100", keys: "1357#1234#", uniqueID: "t-1")
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "ACCEPTED")
            #expect(try h.entries().first?.tagCode == "1234")
        }
    }

    // MARK: The tag's tenant

    /// The shipped features line runs `[acctcodes-tag]`, whose URL carries the call's account, so
    /// acme's code is checked against acme and lands on acme's call.
    @Test func shippedTagRoutineTagsTheCallOfItsOwnAccount() async throws {
        try await FlowHarness.with { h in
            var acme = Account(id: "acme")
            acme.codeLength = 4
            acme.defaults.allowAccountCodes = true
            acme.defaults.callsRequiringCodes = [.international]
            try h.store.saveAccount(acme)
            _ = try h.store.importCodes(account: "acme", csv: "code,description,active\n5678,Acme matter,1\n")
            acme.defaults.validateWhenDialed = true
            try h.store.saveAccount(acme)
            var alice = User(accountID: "acme", extensionNumber: "1001")
            alice.enabled = true
            try h.store.saveUser(alice, create: true)

            let outbound = try await h.call(account: "acme", dial: "2125550100", uniqueID: "acme-1")
            #expect(outbound[variable: "ACCTCODE_RESULT"] == "NOTREQUIRED")

            let features = try ShippedFilesTests.read("dialplan/features-acctcodes.conf")
            #expect(features.contains("acctcode => *8,self,Gosub(acctcodes-tag,s,1)"))
            let url = ShippedDialplan.expand(try ShippedDialplan.load().agiArgument(in: "acctcodes-tag"), variables: [
                // What the outbound routine left on the caller's channel.
                "ACCTCODES_URL": "agi://127.0.0.1:\(h.port)", "ACCTCODES_ACCOUNT_ID": "acme", "ACCTCODES_NUMBER": "2125550100",
                "CALLERID(num)": "1001", "CHANNEL(linkedid)": "acme-1",
            ])
            var environment = SessionEnvironment(script: ShippedDialplan.script(ofURL: url))
            environment.uniqueID = "acme-1"
            let tag = try await h.run(environment, script: CallScript(keys: "5678#"))
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "ACCEPTED")
            let acmeEntries = try h.store.usage(UsageFilter(accountID: "acme"))
            #expect(acmeEntries.count == 1 && acmeEntries[0].tagCode == "5678" && acmeEntries[0].uniqueID == "acme-1")
            #expect(try h.entries().isEmpty, "nothing lands in the default account")
        }
    }

    // MARK: Billable time

    func hangup(_ h: FlowHarness, uniqueID: String, channel variables: [String: String]) async throws -> UsageEntry {
        let url = ShippedDialplan.expand(try ShippedDialplan.load().agiArgument(in: "acctcodes-hangup"), variables: [
            "ACCTCODES_URL": "agi://127.0.0.1:\(h.port)", "ACCTCODES_ACCOUNT_ID": "default", "CALLERID(num)": "1001",
            "CHANNEL(linkedid)": uniqueID,
        ].merging(variables) { $1 })
        var environment = SessionEnvironment(script: ShippedDialplan.script(ofURL: url))
        environment.uniqueID = uniqueID
        var script = CallScript(startsDead: true)
        script.variables = variables
        let record = try await h.run(environment, script: script)
        // Every figure is in the URL; the one command says the end is kept (else the routine asks the next server).
        #expect(record.commands == ["SET VARIABLE ACCTCODES_LOGGED RECORDED"])
        return try #require(try h.entries().first { $0.uniqueID == uniqueID })
    }

    /// The caller's CDR(billsec) counts from the server's ANSWER, prompt included; billing counts
    /// from the dialed party's answer, and the caller's whole duration is kept beside it.
    @Test func billableSecondsAreTheDialedPartysConnectedTime() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "b-1")
            let entry = try await hangup(h, uniqueID: "b-1", channel: [
                "DIALSTATUS": "ANSWER", "SHARED(ACCTCODES_ANSWERED_AT)": "1795400010.200", "LOCAL(ended)": "1795400014.700",
                "CDR(billsec)": "7", "ANSWEREDTIME": "7", "CDR(duration)": "17",
            ])
            #expect(entry.billsec == 4 && entry.duration == 17 && entry.disposition == "ANSWER")
        }
    }

    /// A denied call never reached Dial: no DIALSTATUS, no billable time, whatever the CDR says.
    @Test func aCallNeverDialedBillsNothing() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "###", uniqueID: "b-2")
            let entry = try await hangup(h, uniqueID: "b-2", channel: ["CDR(billsec)": "17", "CDR(duration)": "17",
                                                                       "LOCAL(ended)": "1795400030.000"])
            #expect(entry.result == "DENIED" && entry.billsec == 0 && entry.duration == 17 && entry.disposition == "NOTDIALED")
        }
    }

    /// Dialed, not answered: 0.
    @Test func aCallNotAnsweredBillsNothing() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "1234#", uniqueID: "b-3")
            let entry = try await hangup(h, uniqueID: "b-3", channel: ["DIALSTATUS": "NOANSWER", "CDR(duration)": "40",
                                                                       "LOCAL(ended)": "1795400030.000"])
            #expect(entry.billsec == 0 && entry.disposition == "NOANSWER")
        }
    }

    // MARK: LOCAL() outside a Gosub

    /// `LOCAL()` works only inside a Gosub routine; `[acctcodes-ping]` is dialed, not called.
    @Test func contextsReachedByDialingUseNoLocalVariables() throws {
        let dialplan = try ShippedDialplan.load()
        let ping = try #require(dialplan.contexts["acctcodes-ping"])
        #expect(!ping.contains { $0.contains("LOCAL(") })
        #expect(try dialplan.agiArgument(in: "acctcodes-ping").hasSuffix("/ping"))
        // Every other context is a routine: entered with Gosub, a hangup handler, Dial's U() or features' Gosub.
        let text = try ShippedFilesTests.read("dialplan/acctcodes.conf") + ShippedFilesTests.read("dialplan/features-acctcodes.conf")
        for name in dialplan.contexts.keys where name != "acctcodes-ping" {
            #expect(text.contains("Gosub(\(name),") || text.contains("hangup_handler_push)=\(name),") || text.contains("U(\(name)^"),
                    "\(name) is entered as a routine")
        }
    }
}
