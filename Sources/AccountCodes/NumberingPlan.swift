/// An account's numbering plan. Defaults are the North American Numbering Plan.
public struct NumberingPlan: Sendable, Codable, Equatable {
    public var countryCode: String = "1"
    public var internationalPrefix: String = "011"
    public var trunkPrefix: String = "1"
    /// A digit dialed to reach an outside line (e.g. `9`); empty when the PBX needs none.
    public var outboundDialDigit: String = ""
    /// Area codes whose 10-digit numbers are local calls.
    public var localAreaCodes: [String] = []
    /// Premium-rate prefixes of the national number, beyond NANP's 900.
    public var premiumPrefixes: [String] = []
    /// Toll-free prefixes of the national number; NANP's are built in.
    public var tollFreePrefixes: [String] = []
    /// Directory or operator numbers beyond the built-in ones (411, 0, 00, NPA-555-1212).
    public var directoryNumbers: [String] = []
    /// Treat +1 area codes outside the US and Canada (the Caribbean, Bermuda) as international:
    /// they are billed like international calls and are a known toll-fraud route.
    public var nanpForeignAsInternational: Bool = false

    public init() {}

    public var isNANP: Bool { countryCode == "1" }

    static let emergencyNumbers: Set<String> = ["911", "933", "112", "999"]
    static let nanpTollFree: Set<String> = ["800", "833", "844", "855", "866", "877", "888"]
    /// +1 area codes of countries and territories other than the US and Canada.
    static let nanpForeignAreaCodes: Set<String> = [
        "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664",
        "721", "758", "767", "784", "809", "829", "849", "868", "869", "876",
    ]
}
