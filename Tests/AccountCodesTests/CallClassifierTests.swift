import Testing
@testable import AccountCodes

@Suite struct CallClassifierTests {
    static let extensions: Set<String> = ["1001", "1002", "200", "9001"]

    static func nanp(dialDigit: String = "", local: [String] = ["415", "628"], foreignIntl: Bool = false) -> CallClassifier {
        var plan = NumberingPlan()
        plan.outboundDialDigit = dialDigit
        plan.localAreaCodes = local
        plan.nanpForeignAsInternational = foreignIntl
        plan.premiumPrefixes = ["976"]
        return CallClassifier(plan: plan)
    }

    static let nanpCases: [(String, CallClass)] = [
        // emergency
        ("911", .emergency), ("933", .emergency), ("112", .emergency), ("999", .emergency),
        // internal
        ("1001", .internal), ("1002", .internal), ("200", .internal),
        // directory
        ("411", .directory), ("1411", .directory), ("0", .directory), ("00", .directory),
        ("4155551212", .directory), ("14155551212", .directory), ("2125551212", .directory), ("+12125551212", .directory),
        // premium
        ("9005551234", .premium), ("19005551234", .premium), ("+19005551234", .premium), ("01119005551234", .premium),
        ("9765551234", .premium),
        // international
        ("011442079460000", .international), ("+442079460000", .international), ("+33 1 23 45 67 89", .international),
        ("01181312345678", .international), ("+8613800000000", .international), ("011 52 55 1234 5678", .international),
        // +1 is domestic
        ("+14155550100", .local), ("01114155550100", .local),
        ("+12125550100", .national), ("+18765550100", .national), ("18765550100", .national),
        // toll-free
        ("8005550100", .tollfree), ("18005550100", .tollfree), ("8335550100", .tollfree), ("8445550100", .tollfree),
        ("8555550100", .tollfree), ("8665550100", .tollfree), ("18775550100", .tollfree), ("+18885550100", .tollfree),
        // local
        ("5550100", .local), ("555-0100", .local), ("4155550100", .local), ("(415) 555-0100", .local),
        ("6285550100", .local),
        // national
        ("14155550100", .national), ("2125550100", .national), ("12125550100", .national), ("3125550100", .national),
        ("13125550100", .national),
        // garbage and short codes fall to national
        ("", .national), ("abc", .national), ("*67", .national), ("*675550100", .national), ("12#", .national),
        ("1+2", .national), ("555", .national), ("42", .national), ("011", .national), ("+", .national),
    ]

    @Test(arguments: nanpCases)
    func nanpWithoutDialDigit(number: String, expected: CallClass) {
        #expect(Self.nanp().classify(number, isExtension: Self.extensions.contains) == expected)
    }

    static let dialDigitCases: [(String, CallClass)] = [
        ("9911", .emergency), ("911", .emergency), ("9112", .emergency),
        ("1001", .internal), ("9001", .internal),
        ("9411", .directory), ("90", .directory), ("914155551212", .directory),
        ("919005551234", .premium), ("99005551234", .premium),
        ("9011442079460000", .international), ("9+442079460000", .international),
        ("918005550100", .tollfree),
        ("95550100", .local), ("94155550100", .local),
        ("912125550100", .national), ("92125550100", .national),
        ("9", .national),
    ]

    @Test(arguments: dialDigitCases)
    func nanpWithDialDigitNine(number: String, expected: CallClass) {
        #expect(Self.nanp(dialDigit: "9").classify(number, isExtension: Self.extensions.contains) == expected)
    }

    static let caribbeanCases: [(String, CallClass)] = [
        ("18765550100", .international), ("+18095550100", .international), ("2425550100", .international),
        ("14415550100", .international), ("12125550100", .national), ("17875550100", .national),
        ("16045550100", .national),
    ]

    @Test(arguments: caribbeanCases)
    func nanpForeignAreaCodesAsInternational(number: String, expected: CallClass) {
        #expect(Self.nanp(foreignIntl: true).classify(number) == expected)
    }

    static func uk() -> CallClassifier {
        var plan = NumberingPlan()
        plan.countryCode = "44"
        plan.internationalPrefix = "00"
        plan.trunkPrefix = "0"
        plan.outboundDialDigit = "9"
        plan.localAreaCodes = ["20"]
        plan.premiumPrefixes = ["9"]
        plan.tollFreePrefixes = ["800", "808"]
        plan.directoryNumbers = ["118118"]
        return CallClassifier(plan: plan)
    }

    static let ukCases: [(String, CallClass)] = [
        ("999", .emergency), ("112", .emergency), ("9999", .emergency),
        ("1001", .internal),
        ("118118", .directory), ("9118118", .directory),
        ("09065551234", .premium), ("+449065551234", .premium),
        ("0033123456789", .international), ("+33123456789", .international), ("90015551234567", .international),
        ("08001234567", .tollfree), ("+448081234567", .tollfree),
        ("02079460000", .local), ("+442079460000", .local), ("79460000", .local), ("979460000", .local),
        ("01614960000", .national), ("+441614960000", .national), ("004401614960000", .national),
    ]

    @Test(arguments: ukCases)
    func otherCountryPlan(number: String, expected: CallClass) {
        #expect(Self.uk().classify(number, isExtension: Self.extensions.contains) == expected)
    }

    @Test func coversEveryClassAndEnoughNumbers() {
        let all = Self.nanpCases + Self.dialDigitCases + Self.caribbeanCases + Self.ukCases
        #expect(all.count >= 80)
        #expect(Set(all.map(\.1)) == Set(CallClass.allCases))
    }
}
