/// One billing code's calls in a period, as a store counts them: the facts a report is made of.
public struct CodeDurations: Sendable, Equatable {
    public var code: String
    /// The code's description (the client or matter), empty for a code not in the code list.
    public var description: String
    /// Whether the code is in the account's code list (see `CodeTotal.listed`).
    public var listed: Bool
    /// The code's own billing terms, if any.
    public var billing: BillingOverrides?
    /// How many calls had each number of billable seconds (0: the call never connected).
    public var callsBySeconds: [Int: Int]

    public init(code: String, description: String, listed: Bool, billing: BillingOverrides?, callsBySeconds: [Int: Int]) {
        self.code = code
        self.description = description
        self.listed = listed
        self.billing = billing
        self.callsBySeconds = callsBySeconds
    }
}

/// The report a firm sends its clients: billed time (and amount, where a rate is set) per code and
/// per client description for a period, by the account's terms and each code's own.
public struct BillingReport: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var code: String
        public var description: String
        public var listed: Bool
        public var calls: Int
        /// Connected seconds as the calls had them.
        public var billsec: Int
        /// Connected seconds as billed (rounded up per call to the increment, at least the minimum).
        public var billedSeconds: Int
        /// The terms this code bills by (the account's, with the code's own over them).
        public var terms: BillingTerms
        public var amount: Money?
    }

    /// The codes of one description added together: a client with several matters.
    public struct Client: Sendable, Equatable, Codable {
        public var description: String
        public var codes: [String]
        public var calls: Int
        public var billsec: Int
        public var billedSeconds: Int
        /// The amounts of the codes with a rate; nil when none has one.
        public var amount: Money?
    }

    public var codes: [Line]
    public var clients: [Client]
    public var calls: Int
    public var billsec: Int
    public var billedSeconds: Int
    public var amount: Money?

    /// Bills each code's calls by `terms` overridden by the code's own; lines by code, clients by
    /// description (both in byte order, as totals are).
    public init(durations: [CodeDurations], terms: BillingTerms) {
        codes = durations.sorted { $0.code.utf8.lexicographicallyPrecedes($1.code.utf8) }.map { facts in
            let own = terms.overridden(by: facts.billing)
            var calls = 0, billsec = 0, billed = 0
            for (seconds, count) in facts.callsBySeconds {
                let bounded = min(max(seconds, 0), CallEnd.longestCall)
                calls += count
                billsec += bounded * count
                billed += own.billed(seconds: bounded) * count
            }
            return Line(code: facts.code, description: facts.description, listed: facts.listed, calls: calls, billsec: billsec,
                        billedSeconds: billed, terms: own, amount: own.amount(billedSeconds: billed))
        }
        let byClient = Dictionary(grouping: codes, by: \.description)
        clients = byClient.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { description in
            let lines = byClient[description] ?? []
            return Client(description: description, codes: lines.map(\.code), calls: lines.reduce(0) { $0 + $1.calls },
                          billsec: lines.reduce(0) { $0 + $1.billsec }, billedSeconds: lines.reduce(0) { $0 + $1.billedSeconds },
                          amount: Self.sum(lines.compactMap(\.amount)))
        }
        calls = codes.reduce(0) { $0 + $1.calls }
        billsec = codes.reduce(0) { $0 + $1.billsec }
        billedSeconds = codes.reduce(0) { $0 + $1.billedSeconds }
        amount = Self.sum(codes.compactMap(\.amount))
    }

    private static func sum(_ amounts: [Money]) -> Money? {
        amounts.isEmpty ? nil : amounts.reduce(Money(hundredths: 0), +)
    }

    /// Seconds as hours with two decimals (`0.10` for 360 s), as firms write billed time.
    public static func hours(_ seconds: Int) -> String {
        Money(hundredths: (seconds * 100 + 1800) / 3600).description
    }
}
