import AccountCodes
import ArgumentParser

/// The billing terms' options of `account set` (the account's terms) and `code add`/`code set`
/// (a code's own, where `account` gives the setting back to the account).
struct BillingOptions: ParsableArguments {
    @Option(help: "Round each connected call up to a multiple of this many seconds, 1-86400 (360: tenths of an hour); on a code, account for the account's.")
    var billingIncrement: String?
    @Option(help: "Seconds a connected call bills at least, 0-86400; on a code, account for the account's.")
    var billingMinimum: String?
    @Option(help: "Amount per hour, up to two decimals (350.00); none for time only; on a code, account for the account's.")
    var billingRate: String?

    var isEmpty: Bool { billingIncrement == nil && billingMinimum == nil && billingRate == nil }

    /// The account's terms with these options applied.
    func apply(to account: inout Account) throws {
        guard !isEmpty else { return }
        var terms = account.billingTerms
        if let v = billingIncrement { terms.increment = try Self.seconds(v, "--billing-increment") }
        if let v = billingMinimum { terms.minimum = try Self.seconds(v, "--billing-minimum") }
        if let v = billingRate { terms.rate = v == "none" ? nil : try Self.money(v) }
        account.billing = terms
    }

    /// A code's own terms with these options applied: `account` clears one.
    func apply(to code: inout AccountCode) throws {
        guard !isEmpty else { return }
        var own = code.billing ?? BillingOverrides()
        if let v = billingIncrement { own.increment = v == "account" ? nil : try Self.seconds(v, "--billing-increment") }
        if let v = billingMinimum { own.minimum = v == "account" ? nil : try Self.seconds(v, "--billing-minimum") }
        if let v = billingRate { own.rate = v == "account" ? nil : try Self.money(v) }
        code.billing = own.isEmpty ? nil : own
    }

    static func seconds(_ text: String, _ option: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw ValidationError("\(option) takes whole seconds, not \(text.debugDescription)") }
        return value
    }

    static func money(_ text: String) throws -> Money {
        guard let value = Money(text) else {
            throw ValidationError("--billing-rate takes an amount with up to two decimals such as 350.00, not \(text.debugDescription)")
        }
        return value
    }
}

/// Billing terms in a few words: `360 s increments, 720 s minimum, 350.00/h`.
func describe(_ terms: BillingTerms) -> String {
    var parts = [terms.increment == 1 ? "to the second" : "\(terms.increment) s increments"]
    if terms.minimum > 0 { parts.append("\(terms.minimum) s minimum") }
    parts.append(terms.rate.map { "\($0)/h" } ?? "no rate")
    return parts.joined(separator: ", ")
}

/// A code's own terms in a few words, for `code list`.
func describe(_ own: BillingOverrides) -> [String] {
    var parts: [String] = []
    if let v = own.increment { parts.append("increment=\(v)s") }
    if let v = own.minimum { parts.append("minimum=\(v)s") }
    if let v = own.rate { parts.append("rate=\(v)") }
    return parts
}
