import Testing
@testable import AccountCodes

/// Billable time from the hangup handler's figures, none of them trusted.
@Suite struct CallEndTests {
    @Test func answeredCallsBillTheDialedPartysConnectedTimeCutToWholeSeconds() {
        let end = CallEnd(dialStatus: "ANSWER", answeredAt: "1795400010.200", endedAt: "1795400014.199", duration: "17")
        #expect(end == CallEnd(dialStatus: "ANSWER", billableSeconds: 3, duration: 17))
    }

    @Test(arguments: [("", "NOTDIALED"), ("NOANSWER", "NOANSWER"), ("BUSY", "BUSY"), ("CANCEL", "CANCEL"), ("EVIL\r\n", "UNKNOWN")])
    func callsNotAnsweredBillNothing(status: String, recorded: String) {
        let end = CallEnd(dialStatus: status, answeredAt: "1795400010", endedAt: "1795400070", duration: "80", answeredTime: "60")
        #expect(end.billableSeconds == 0 && end.dialStatus == recorded)
    }

    @Test(arguments: [("1795400070", "1795400010"), ("-5", "10"), ("1e9", "2e9"), ("0x10", "0x20"), ("10", "999999999"), ("", "")])
    func figuresNotBelievedBillNothing(answered: String, ended: String) {
        #expect(CallEnd(dialStatus: "ANSWER", answeredAt: answered, endedAt: ended, duration: "9").billableSeconds == 0)
    }

    @Test func absurdDurationsAreDropped() {
        #expect(CallEnd(dialStatus: "", answeredAt: nil, endedAt: nil, duration: "-100000").duration == nil)
        #expect(CallEnd(dialStatus: "", answeredAt: nil, endedAt: nil, duration: "9223372036854775807").duration == nil)
    }

    @Test func anOldDialplanBillsDialsAnsweredTime() {
        let end = CallEnd(dialStatus: "ANSWER", answeredAt: nil, endedAt: nil, duration: "70", answeredTime: "64")
        #expect(end.billableSeconds == 64 && end.fromOldDialplan)
        #expect(CallEnd(dialStatus: "ANSWER", answeredAt: "", endedAt: "", duration: "70", answeredTime: "-3").billableSeconds == 0)
    }

    /// The billing cap at its edges: the call's age on the server's clock plus a second, never
    /// below 0, and no bound without an end time or a figure.
    @Test func billableTimeIsBoundedByTheCallsOwnAge() {
        let start = 1_800_000_000.0
        #expect(CallEnd.boundedBillableSeconds(60, startedAt: start, endedAt: start + 100) == 60)
        #expect(CallEnd.boundedBillableSeconds(3_600, startedAt: start, endedAt: start + 100) == 101)
        #expect(CallEnd.boundedBillableSeconds(3_600, startedAt: start, endedAt: start + 100.999) == 101)
        #expect(CallEnd.boundedBillableSeconds(101, startedAt: start, endedAt: start + 100) == 101)
        #expect(CallEnd.boundedBillableSeconds(102, startedAt: start, endedAt: start + 100) == 101)
        #expect(CallEnd.boundedBillableSeconds(30, startedAt: start, endedAt: start) == 1)
        // An end before the start (a clock gone back): nothing to bill.
        #expect(CallEnd.boundedBillableSeconds(30, startedAt: start, endedAt: start - 50) == 0)
        #expect(CallEnd.boundedBillableSeconds(30, startedAt: start, endedAt: nil) == 30)
        #expect(CallEnd.boundedBillableSeconds(nil, startedAt: start, endedAt: start + 5) == nil)
    }
}
