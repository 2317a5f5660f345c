/// How an account turns its calls' connected time into billed time and money (issue 24): law
/// firms bill in increments (a tenth of an hour is 360 s), often with a minimum per call, at a
/// rate per hour. The account sets the terms; a code may override any of them.
///
/// The rounding rule, per call: a call that never connected (0 billable seconds) bills nothing;
/// any other bills its seconds rounded **up** to a whole number of increments, and at least the
/// minimum. The amount is the billed time of all a code's calls in the period, at the code's rate,
/// rounded half up to a hundredth once, on the total, so a report's lines add up to what each
/// call would give to within a hundredth per line (never a hundredth per call).
public struct BillingTerms: Sendable, Codable, Equatable {
    /// Seconds each connected call is rounded up to a multiple of (1: to the second).
    public var increment: Int
    /// Seconds a connected call bills at least (0: no minimum).
    public var minimum: Int
    /// Per hour, in the account's currency; nil: the report shows time, no amounts.
    public var rate: Money?

    public init(increment: Int = 1, minimum: Int = 0, rate: Money? = nil) {
        self.increment = increment
        self.minimum = minimum
        self.rate = rate
    }

    /// A key left out is the standard term: a patch may set the increment alone.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        increment = try container.decodeIfPresent(Int.self, forKey: .increment) ?? 1
        minimum = try container.decodeIfPresent(Int.self, forKey: .minimum) ?? 0
        rate = try container.decodeIfPresent(Money.self, forKey: .rate)
    }

    /// To the second, no minimum, no rate: what every account bills until it sets terms.
    public static let standard = BillingTerms()

    /// What the increment and the minimum may be: a second to a day.
    public static let increments = 1...86_400
    public static let minimums = 0...86_400

    /// The time one call bills for `seconds` connected (see the type's rounding rule).
    public func billed(seconds: Int) -> Int {
        guard seconds > 0 else { return 0 }
        let step = max(increment, 1)
        let rounded = seconds.quotientAndRemainder(dividingBy: step).remainder == 0 ? seconds : (seconds / step + 1) * step
        return max(rounded, minimum)
    }

    /// What `seconds` of billed time come to at this rate; nil without one.
    public func amount(billedSeconds seconds: Int) -> Money? {
        rate.map { $0.forSeconds(seconds) }
    }

    /// These terms with a code's overrides applied.
    public func overridden(by overrides: BillingOverrides?) -> BillingTerms {
        guard let overrides else { return self }
        return BillingTerms(increment: overrides.increment ?? increment, minimum: overrides.minimum ?? minimum,
                            rate: overrides.rate ?? rate)
    }

    /// Checks the increment and the minimum are in range.
    public func check() throws(RuleViolation) {
        try BillingOverrides(increment: increment, minimum: minimum, rate: rate).check()
    }
}

/// A code's own billing terms: each one set replaces the account's (nil: the account's).
public struct BillingOverrides: Sendable, Codable, Equatable {
    public var increment: Int?
    public var minimum: Int?
    public var rate: Money?

    public init(increment: Int? = nil, minimum: Int? = nil, rate: Money? = nil) {
        self.increment = increment
        self.minimum = minimum
        self.rate = rate
    }

    public var isEmpty: Bool { increment == nil && minimum == nil && rate == nil }

    public func check() throws(RuleViolation) {
        if let increment, !BillingTerms.increments.contains(increment) {
            throw .billingOutOfRange("the billing increment is 1 to 86400 seconds, not \(increment)")
        }
        if let minimum, !BillingTerms.minimums.contains(minimum) {
            throw .billingOutOfRange("the billing minimum is 0 to 86400 seconds, not \(minimum)")
        }
    }
}

/// An amount in hundredths of the account's currency (the product names no currency: an account
/// bills in one). Written and read as a decimal with up to two places: `350`, `350.5`, `350.50`.
public struct Money: Sendable, Equatable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var hundredths: Int

    public init(hundredths: Int) { self.hundredths = hundredths }

    /// The largest rate or amount written: far above any hourly rate, far below overflow.
    public static let largest = 100_000_000_00

    /// Parses `350`, `350.5` or `350.50`; nil for anything else: a sign, a leading zero (`007`),
    /// three places, more than `largest`. Exactly the API document's pattern for it.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...9).contains(whole.count),
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), whole == "0" || whole.first != "0",
              let units = Int(whole) else { return nil }
        var cents = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(fraction) else { return nil }
            cents = fraction.count == 1 ? value * 10 : value
        }
        guard units * 100 + cents <= Self.largest else { return nil }
        hundredths = units * 100 + cents
    }

    public var description: String {
        let (units, cents) = hundredths.quotientAndRemainder(dividingBy: 100)
        return "\(units)." + (cents < 10 ? "0\(cents)" : "\(cents)")
    }

    /// This hourly rate for `seconds`, rounded half up to a hundredth: exact integer arithmetic
    /// (rate = 3600 q + r, so rate × s / 3600 = q s + r s / 3600, with no product of the two).
    public func forSeconds(_ seconds: Int) -> Money {
        let (q, r) = hundredths.quotientAndRemainder(dividingBy: 3600)
        return Money(hundredths: q * seconds + (r * seconds + 1800) / 3600)
    }

    public static func + (a: Money, b: Money) -> Money { Money(hundredths: a.hundredths + b.hundredths) }
    public static func < (a: Money, b: Money) -> Bool { a.hundredths < b.hundredths }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Money(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "an amount like 350.00 (up to two decimals)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
