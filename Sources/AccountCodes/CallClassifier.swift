/// Works out a dialed number's class for an account. Pure: extensions come from the caller.
public struct CallClassifier: Sendable {
    public var plan: NumberingPlan

    public init(plan: NumberingPlan) { self.plan = plan }

    /// `isExtension` says whether a string is a user extension of the same account.
    public func classify(_ dialed: String, isExtension: (String) -> Bool = { _ in false }) -> CallClass {
        let raw = Self.clean(dialed)
        if NumberingPlan.emergencyNumbers.contains(raw) { return .emergency }
        if !raw.isEmpty, isExtension(raw) { return .internal }
        var number = raw
        if !plan.outboundDialDigit.isEmpty, number.hasPrefix(plan.outboundDialDigit), number.count > plan.outboundDialDigit.count {
            number.removeFirst(plan.outboundDialDigit.count)
            if NumberingPlan.emergencyNumbers.contains(number) { return .emergency }
        }
        guard !number.isEmpty, number.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "+") }),
              !number.dropFirst().contains("+") else { return .national }

        // Anything written in international form is brought back to the national form it dials as.
        if let international = internationalDigits(number) {
            guard !international.isEmpty else { return .national }
            guard international.hasPrefix(plan.countryCode) else { return .international }
            // A domestic number in E.164 form: NANP's local rule wants the bare 10 digits,
            // other plans tell national from local by the trunk prefix.
            let domestic = international.dropFirst(plan.countryCode.count)
            number = plan.isNANP ? String(domestic) : plan.trunkPrefix + domestic
        }
        return plan.isNANP ? classifyNANP(number) : classifyOther(number)
    }

    /// The digits after `+` or the international prefix, if the number is written that way.
    private func internationalDigits(_ number: String) -> Substring? {
        if number.hasPrefix("+") { return number.dropFirst() }
        if !plan.internationalPrefix.isEmpty, number.hasPrefix(plan.internationalPrefix), number.count > plan.internationalPrefix.count {
            return number.dropFirst(plan.internationalPrefix.count)
        }
        return nil
    }

    private func classifyNANP(_ number: String) -> CallClass {
        if ["411", "0", "00"].contains(number) || number == plan.trunkPrefix + "411" || plan.directoryNumbers.contains(number) {
            return .directory
        }
        // The 10-digit national number, when the number is 10 digits or trunk prefix + 10.
        let national: Substring? = number.count == 10 ? number[...]
            : (number.count == 10 + plan.trunkPrefix.count && number.hasPrefix(plan.trunkPrefix) ? number.dropFirst(plan.trunkPrefix.count) : nil)
        if let national {
            let area = String(national.prefix(3))
            if national.dropFirst(3) == "5551212" { return .directory }
            if area == "900" || hasPrefix(national, in: plan.premiumPrefixes) { return .premium }
            if plan.nanpForeignAsInternational, NumberingPlan.nanpForeignAreaCodes.contains(area) { return .international }
            if NumberingPlan.nanpTollFree.contains(area) || hasPrefix(national, in: plan.tollFreePrefixes) { return .tollfree }
            if number.count == 10, plan.localAreaCodes.contains(area) { return .local }
            return .national
        }
        return number.count == 7 ? .local : .national
    }

    /// Plans other than NANP: a trunk prefix starts a national number; a number without one is local.
    private func classifyOther(_ number: String) -> CallClass {
        if plan.directoryNumbers.contains(number) { return .directory }
        let hasTrunk = !plan.trunkPrefix.isEmpty && number.hasPrefix(plan.trunkPrefix)
        let national = hasTrunk ? number.dropFirst(plan.trunkPrefix.count) : number[...]
        if hasPrefix(national, in: plan.premiumPrefixes) { return .premium }
        if hasPrefix(national, in: plan.tollFreePrefixes) { return .tollfree }
        if hasTrunk {
            return plan.localAreaCodes.contains(where: { national.hasPrefix($0) }) ? .local : .national
        }
        return .local
    }

    private func hasPrefix(_ number: Substring, in prefixes: [String]) -> Bool {
        prefixes.contains { !$0.isEmpty && number.hasPrefix($0) }
    }

    /// Drops the punctuation people type in numbers; keeps digits, `+`, `*` and `#`.
    static func clean(_ dialed: String) -> String {
        // Most numbers arrive clean: then no copy, and no per-character work.
        if !dialed.utf8.contains(where: isPunctuation) { return dialed }
        return String(decoding: dialed.utf8.filter { !isPunctuation($0) }, as: UTF8.self)
    }

    private static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."), UInt8(ascii: "\t"): true
        default: false
        }
    }
}

extension CallClassifier {
    /// Whether a number is an emergency number, dialed bare or after any one-digit outside-line
    /// prefix. Needs no account: used when the store cannot be read, so emergency calls still pass.
    public static func looksLikeEmergency(_ dialed: String) -> Bool {
        let number = clean(dialed)
        return NumberingPlan.emergencyNumbers.contains(number)
            || (number.count == 4 && number.first!.isNumber && NumberingPlan.emergencyNumbers.contains(String(number.dropFirst())))
    }
}
