/// A change the rules refuse, with a message an admin can act on.
public enum RuleViolation: Error, Equatable, CustomStringConvertible {
    case codeLengthOutOfRange(Int)
    case codeLengthLocked(current: Int)
    case codeLengthNotSet
    case maxRetriesOutOfRange(Int)
    case entryTimeoutOutOfRange(Int)
    case validationWithoutCodes
    case userProceedNotAllowedByAccount
    case badCode(String, expectedLength: Int)
    case lockoutOutOfRange(String)
    case badSource(String)
    case badDay(String)
    case badName(String)
    case validityReversed(from: String, until: String)
    case unknownGroupForUnknownCallers(String)
    case badExtension(String)
    case badAccountID(String)
    case billingOutOfRange(String)

    public var description: String {
        switch self {
        case .codeLengthOutOfRange(let n): "code length must be 3 to 7 digits, not \(n)"
        case .codeLengthLocked(let current): "code length is \(current) and cannot be changed once set"
        case .codeLengthNotSet: "set the account's code length first (acctcodes account set --code-length N)"
        case .maxRetriesOutOfRange(let n): "max retries must be 1 to 9, not \(n)"
        case .entryTimeoutOutOfRange(let n): "entry timeout must be 1 to 60 seconds, not \(n)"
        case .validationWithoutCodes: "cannot validate codes when dialed while the account has no codes: add codes first"
        case .userProceedNotAllowedByAccount:
            "\"proceed after max retries\" can be on for a user only when it is on for the account"
        case .badCode(let code, let length): "code \(code.debugDescription) must be exactly \(length) digits"
        case .lockoutOutOfRange(let what): what
        case .badSource(let text): "allowed source \(text.debugDescription) is not an IP address or network such as 10.1.2.0/24"
        case .badDay(let text): "\(text.debugDescription) is not a day such as 2026-12-31"
        case .badName(let name): "\(name.debugDescription) is not a user or group name (letters, digits, - and _)"
        case .validityReversed(let from, let until): "valid-from \(from) is after valid-until \(until)"
        case .unknownGroupForUnknownCallers(let name): "unknown callers are to be treated as group \(name.debugDescription), which does not exist"
        case .badExtension(let ext): "extension \(ext.debugDescription) must be 1 to 32 letters and digits"
        case .badAccountID(let id): "account id \(id.debugDescription) must be 1 to 64 letters, digits, -, _ and ."
        case .billingOutOfRange(let what): what
        }
    }
}

/// The rules every change to accounts, groups, users and codes must pass.
public enum SettingsRules {
    /// Digits a code may have (set once per account).
    public static let codeLengths = 3...7
    /// Incorrect entries a caller may make on one call.
    public static let maxRetries = 1...9

    /// Checks an account change against its stored state. `hasCodes`: the account has at least one code.
    public static func check(account new: Account, previous old: Account?, hasCodes: Bool) throws(RuleViolation) {
        if let length = new.codeLength {
            guard codeLengths.contains(length) else { throw .codeLengthOutOfRange(length) }
        }
        if let current = old?.codeLength, new.codeLength != current { throw .codeLengthLocked(current: current) }
        guard maxRetries.contains(new.maxRetries) else { throw .maxRetriesOutOfRange(new.maxRetries) }
        try check(new.defaults.entryTimeout)
        try checkLockout(after: new.defaults.lockoutAfter, window: new.defaults.lockoutWindow, minutes: new.defaults.lockoutMinutes)
        for source in new.allowedSources where NetworkBlock(source) == nil { throw .badSource(source) }
        try new.billingTerms.check()
        if new.defaults.allowAccountCodes, new.codeLength == nil { throw .codeLengthNotSet }
        if new.defaults.validateWhenDialed, !(old?.defaults.validateWhenDialed ?? false), !hasCodes {
            throw .validationWithoutCodes
        }
    }

    /// Checks a group's or user's overrides; users also may not exceed the account on "proceed".
    public static func check(overrides: SettingsOverrides, isUser: Bool, account: Account, hasCodes: Bool) throws(RuleViolation) {
        if let timeout = overrides.entryTimeout { try check(timeout) }
        try checkLockout(after: overrides.lockoutAfter, window: overrides.lockoutWindow, minutes: overrides.lockoutMinutes)
        if overrides.validateWhenDialed == true, !hasCodes { throw .validationWithoutCodes }
        if isUser, overrides.proceedAfterMaxRetries == true, !account.defaults.proceedAfterMaxRetries {
            throw .userProceedNotAllowedByAccount
        }
    }

    /// A code must be exactly the account's length, digits only (never a number: `0042` is not `42`).
    public static func check(code: String, account: Account) throws(RuleViolation) {
        guard let length = account.codeLength else { throw .codeLengthNotSet }
        guard isWellFormed(code, length: length) else { throw .badCode(code, expectedLength: length) }
    }

    public static func isWellFormed(_ code: String, length: Int) -> Bool {
        code.utf8.count == length && code.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// A user or group name, as code limits and groups use them: 1 to 64 of letters, digits, - and _.
    public static func check(name: String) throws(RuleViolation) {
        guard isName(name) else { throw .badName(name) }
    }

    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    public static func check(extension ext: String) throws(RuleViolation) {
        guard !ext.isEmpty, ext.utf8.count <= 32, ext.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter) }) else { throw .badExtension(ext) }
    }

    /// A new account's id (ones stored by earlier versions keep theirs).
    public static func check(accountID id: String) throws(RuleViolation) {
        guard !id.isEmpty, id.utf8.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .badAccountID(id)
        }
    }

    /// A code's limits: real days, in order.
    public static func check(limits code: AccountCode) throws(RuleViolation) {
        for name in code.users + code.groups where !isName(name) { throw .badName(name) }
        for day in [code.validFrom, code.validUntil].compactMap({ $0 }) where !CodeFacts.isDay(day) { throw .badDay(day) }
        if let from = code.validFrom, let until = code.validUntil, from > until { throw .validityReversed(from: from, until: until) }
        try code.billing?.check()
    }

    private static func checkLockout(after: Int?, window: Int?, minutes: Int?) throws(RuleViolation) {
        if let after, !(0...100).contains(after) { throw .lockoutOutOfRange("lockout-after must be 0 (off) to 100 incorrect entries, not \(after)") }
        if let window, !(1...1440).contains(window) { throw .lockoutOutOfRange("lockout-window must be 1 to 1440 minutes, not \(window)") }
        if let minutes, !(1...1440).contains(minutes) {
            throw .lockoutOutOfRange("lockout-minutes must be 1 to 1440 minutes, not \(minutes)")
        }
    }

    private static func check(_ timeout: Int) throws(RuleViolation) {
        guard (1...60).contains(timeout) else { throw .entryTimeoutOutOfRange(timeout) }
    }
}
