import AccountCodes
import Foundation
import Testing

/// The rounding rule of `BillingTerms`, at its boundaries, and the report built on it.
@Suite struct BillingTests {
    @Test func tenthsOfAnHourRoundUpPerCall() {
        let tenths = BillingTerms(increment: 360)
        #expect(tenths.billed(seconds: 0) == 0, "a call that never connected bills nothing")
        #expect(tenths.billed(seconds: -5) == 0)
        #expect(tenths.billed(seconds: 1) == 360)
        #expect(tenths.billed(seconds: 359) == 360)
        #expect(tenths.billed(seconds: 360) == 360, "an exact increment is not rounded further")
        #expect(tenths.billed(seconds: 361) == 720)
        #expect(tenths.billed(seconds: 3600) == 3600)
    }

    @Test func theMinimumAppliesOnlyToConnectedCalls() {
        let terms = BillingTerms(increment: 60, minimum: 300)
        #expect(terms.billed(seconds: 0) == 0)
        #expect(terms.billed(seconds: 1) == 300)
        #expect(terms.billed(seconds: 299) == 300)
        #expect(terms.billed(seconds: 300) == 300)
        #expect(terms.billed(seconds: 301) == 360, "past the minimum, the increment rounds")
        // A minimum that is not a multiple of the increment stands as set.
        #expect(BillingTerms(increment: 360, minimum: 500).billed(seconds: 10) == 500)
        #expect(BillingTerms(increment: 360, minimum: 500).billed(seconds: 501) == 720)
    }

    @Test func toTheSecondByDefault() {
        #expect(BillingTerms.standard.billed(seconds: 1) == 1)
        #expect(BillingTerms.standard.billed(seconds: 61) == 61)
        #expect(BillingTerms.standard.amount(billedSeconds: 61) == nil, "no rate, no amount")
    }

    @Test func amountsRoundHalfUpToAHundredth() throws {
        let rate = try #require(Money("350"))
        #expect(rate.forSeconds(360) == Money(hundredths: 3500))
        #expect(rate.forSeconds(3600) == Money(hundredths: 35000))
        // 1 s at 350.00/h is 9.72222... hundredths: 10.
        #expect(rate.forSeconds(1) == Money(hundredths: 10))
        // 0.01/h for 1800 s is exactly half a hundredth: up; 1799 s is under half: down.
        #expect(Money(hundredths: 1).forSeconds(1800) == Money(hundredths: 1))
        #expect(Money(hundredths: 1).forSeconds(1799) == Money(hundredths: 0))
        #expect(rate.forSeconds(0) == Money(hundredths: 0))
        // The largest rate for a year of calls does not overflow.
        let largest = Money(hundredths: Money.largest)
        #expect(largest.forSeconds(365 * 86_400).hundredths == Money.largest * 365 * 24)
    }

    @Test func moneyIsReadAndWrittenWithTwoPlaces() {
        #expect(Money("350")?.hundredths == 35000)
        #expect(Money("350.5")?.hundredths == 35050)
        #expect(Money("350.05")?.hundredths == 35005)
        #expect(Money("0")?.hundredths == 0)
        #expect(Money("0.5")?.hundredths == 50)
        #expect(Money("350.05")?.description == "350.05")
        #expect(Money(hundredths: 7).description == "0.07")
        for bad in ["", ".", "-1", "+1", "1.", ".5", "1.005", "1,00", "1e3", "abc", "١٢", "100000000.01", "99999999999", "007",
                    "100000001", "0012.5"] {
            #expect(Money(bad) == nil, "\(bad.debugDescription) is refused")
        }
        #expect(Money("100000000.00")?.hundredths == Money.largest)
    }

    @Test func termsAreCheckedAndOverridden() throws {
        let account = BillingTerms(increment: 360, minimum: 0, rate: Money("300"))
        let own = account.overridden(by: BillingOverrides(minimum: 720))
        #expect(own == BillingTerms(increment: 360, minimum: 720, rate: Money("300")))
        #expect(account.overridden(by: nil) == account)
        #expect(account.overridden(by: BillingOverrides(increment: 60, rate: Money("120"))) == BillingTerms(increment: 60, rate: Money("120")))
        #expect(throws: RuleViolation.self) { try BillingTerms(increment: 0).check() }
        #expect(throws: RuleViolation.self) { try BillingTerms(increment: 86_401).check() }
        #expect(throws: RuleViolation.self) { try BillingOverrides(minimum: -1).check() }
        try BillingTerms(increment: 86_400, minimum: 86_400).check()
        try BillingOverrides().check()
    }

    @Test func aReportBillsEachCodeByItsTermsAndAddsUpClients() throws {
        let terms = BillingTerms(increment: 360, rate: Money("300"))
        let durations = [
            CodeDurations(code: "2002", description: "Globex", listed: true, billing: nil, callsBySeconds: [0: 1, 10: 2, 400: 1]),
            CodeDurations(code: "1001", description: "Acme", listed: true, billing: BillingOverrides(increment: 60, rate: Money("120")),
                          callsBySeconds: [61: 1]),
            CodeDurations(code: "1002", description: "Acme", listed: true, billing: BillingOverrides(minimum: 900), callsBySeconds: [5: 1]),
            CodeDurations(code: "9999", description: "", listed: false, billing: nil, callsBySeconds: [3600: 1]),
        ]
        let report = BillingReport(durations: durations, terms: terms)
        #expect(report.codes.map(\.code) == ["1001", "1002", "2002", "9999"])
        let globex = try #require(report.codes.first { $0.code == "2002" })
        #expect(globex.calls == 4 && globex.billsec == 420)
        #expect(globex.billedSeconds == 360 + 360 + 720, "0 s bills nothing; 10 s twice and 400 s round up")
        #expect(globex.amount == Money("120"))
        let matter = try #require(report.codes.first { $0.code == "1001" })
        #expect(matter.billedSeconds == 120 && matter.amount == Money("4"))
        #expect(report.codes.first { $0.code == "1002" }?.billedSeconds == 900)
        #expect(report.codes.first { $0.code == "1002" }?.amount == Money("75"))
        let acme = try #require(report.clients.first { $0.description == "Acme" })
        #expect(acme.codes == ["1001", "1002"] && acme.billedSeconds == 1020 && acme.amount == Money("79"))
        #expect(report.clients.map(\.description) == ["", "Acme", "Globex"])
        #expect(report.billedSeconds == 1440 + 120 + 900 + 3600)
        #expect(report.amount == Money(hundredths: 12_000 + 400 + 7_500 + 30_000))
        #expect(BillingReport(durations: [], terms: .standard).amount == nil)
        #expect(BillingReport.hours(360) == "0.10" && BillingReport.hours(5400) == "1.50")
    }
}
