import FakeAsterisk
import Store
import StoreCore
import Testing

@Suite struct TagAndHangupFlowTests {
    @Test func tagPutsTheCodeOnTheCallAndHangupAddsBillableTime() async throws {
        try await FlowHarness.with { h in
            let outbound = try await h.call(dial: "2125550100", keys: "#", uniqueID: "c-1")
            #expect(outbound[variable: "ACCTCODE_RESULT"] == "SKIPPED")
            let tag = try await h.call("tag", dial: "2125550100", keys: "1234#", uniqueID: "c-1")
            #expect(tag.prompts == ["acctcodes/enter-tag-code", "acctcodes/code-accepted"])
            #expect(tag[variable: "CHANNEL(accountcode)"] == "1234")
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "ACCEPTED")
            let hangup = try await h.call("hangup", dial: "2125550100", uniqueID: "c-1",
                                          extra: "&dialstatus=ANSWER&answeredat=1795400000.250&endedat=1795400121.900&duration=130",
                                          dead: true)
            #expect(hangup.commands == ["SET VARIABLE ACCTCODES_LOGGED RECORDED"], "everything came in the query; the answer says it is kept")
            let entries = try h.entries()
            #expect(entries.count == 1)
            #expect(entries[0].tagCode == "1234" && entries[0].billsec == 121 && entries[0].disposition == "ANSWER")
            await #expect(try h.store.usageTotals(UsageFilter(accountID: "default")) ==
                [CodeTotal(code: "1234", description: "Acme", calls: 1, billsec: 121, billableMinutes: 3)])
        }
    }

    /// A transfer: the caller's leg ends 4 s after the answer, the outside leg (its own channel,
    /// naming the call with `call=`) 12 s after it, talking to 1002: the entry bills 12 s and
    /// records the transfer; the caller's figures stay the caller's. A far end naming no call is
    /// refused and changes nothing.
    @Test func theOutsideLegsEndBillsATransferredCallToItsEnd() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "0042#", uniqueID: "x-1")
            _ = try await h.call("hangup", dial: "011442079460000", uniqueID: "x-1",
                                 extra: "&dialstatus=ANSWER&answeredat=1795400000.000&endedat=1795400004.000&duration=9", dead: true)
            let far = try await h.call("hangup", dial: "011442079460000", uniqueID: "x-1-outside",
                                       extra: "&leg=far&call=x-1&answeredat=1795400000.000&endedat=1795400012.000&connected=1002", dead: true)
            #expect(far.commands == ["SET VARIABLE ACCTCODES_LOGGED RECORDED"], "the figures are all in the query")
            let entries = try h.entries()
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.billsec == 12 && entry.transferTo == "1002" && entry.transferredAt != nil)
            #expect(entry.duration == 9 && entry.disposition == "ANSWER" && entry.code == "0042")
            let stray = try await h.call("hangup", dial: "011442079460000", uniqueID: "y-outside",
                                         extra: "&leg=far&answeredat=1795400000.000&endedat=1795400012.000", dead: true)
            #expect(stray.commands.isEmpty, "no ACCTCODES_LOGGED for a far end that names no call")
            #expect(try h.entries().count == 1)
        }
    }

    @Test func hangupReadsTheCDRWhenTheQueryLacksIt() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "0042#", uniqueID: "c-2")
            let hangup = try await h.call("hangup", dial: "011442079460000", uniqueID: "c-2",
                                          variables: ["DIALSTATUS": "ANSWER", "SHARED(ACCTCODES_ANSWERED_AT)": "1795400000.500",
                                                      "ACCTCODES_ENDED_AT": "1795400060.000", "CDR(duration)": "70", "CDR(billsec)": "66"],
                                          dead: true)
            #expect(hangup.commands == [
                "GET FULL VARIABLE ${DIALSTATUS}|${SHARED(ACCTCODES_ANSWERED_AT)}|${ACCTCODES_ENDED_AT}|${STRFTIME(,,%s.%3q)}|${CDR(duration)}"
                + "|${ANSWEREDTIME}",
                "SET VARIABLE ACCTCODES_LOGGED RECORDED",
            ])
            let entry = try #require(try h.entries().first)
            #expect(entry.billsec == 59 && entry.duration == 70 && entry.code == "0042")
        }
    }

    /// An earlier acctcodes.conf's hangup handler sends the caller's CDR figures and no answer
    /// stamp: the call still bills, from Dial's ANSWEREDTIME (prompt included), never 0.
    @Test func aHangupFromAnOldDialplanStillBills() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "011442079460000", keys: "0042#", uniqueID: "old-1")
            _ = try await h.call("hangup", dial: "011442079460000", uniqueID: "old-1",
                                 extra: "&disposition=ANSWERED&duration=70&billsec=66",
                                 variables: ["DIALSTATUS": "ANSWER", "ANSWEREDTIME": "64", "CDR(duration)": "70"], dead: true)
            let entry = try #require(try h.entries().first)
            #expect(entry.billsec == 64 && entry.duration == 70 && entry.disposition == "ANSWER")
        }
    }

    @Test func cancelledTagIsLoggedAsAnAttemptOnly() async throws {
        try await FlowHarness.with { h in
            _ = try await h.call(dial: "5550100", keys: "#", uniqueID: "c-3")
            let tag = try await h.call("tag", dial: "5550100", keys: "#", uniqueID: "c-3")
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "CANCELLED")
            _ = try await h.call("hangup", dial: "5550100", uniqueID: "c-3", extra: "&dialstatus=ANSWER&answeredat=100&endedat=105&duration=10",
                                 dead: true)
            let entries = try h.entries()
            #expect(entries.map(\.route) == ["outbound", "tag-attempt"])
            #expect(entries[0].billsec == 5, "the hangup completes the call's entry, not the attempt")
        }
    }

    @Test func disabledUserCannotTag() async throws {
        try await FlowHarness.with { h in
            let tag = try await h.call("tag", user: "1002", dial: "5550100", keys: "1234#")
            #expect(tag[variable: "ACCTCODE_TAG_RESULT"] == "NOTALLOWED")
            #expect(tag.prompts.isEmpty)
        }
    }
}
