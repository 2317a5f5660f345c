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
        }
    }
}

/// The rules every change to accounts, groups, users and codes must pass.
public enum SettingsRules {
    /// Checks an account change against its stored state. `hasCodes`: the account has at least one code.
    public static func check(account new: Account, previous old: Account?, hasCodes: Bool) throws(RuleViolation) {
        if let length = new.codeLength {
            guard (3...7).contains(length) else { throw .codeLengthOutOfRange(length) }
        }
        if let current = old?.codeLength, new.codeLength != current { throw .codeLengthLocked(current: current) }
        guard (1...9).contains(new.maxRetries) else { throw .maxRetriesOutOfRange(new.maxRetries) }
        try check(new.defaults.entryTimeout)
        if new.defaults.allowAccountCodes, new.codeLength == nil { throw .codeLengthNotSet }
        if new.defaults.validateWhenDialed, !(old?.defaults.validateWhenDialed ?? false), !hasCodes {
            throw .validationWithoutCodes
        }
    }

    /// Checks a group's or user's overrides; users also may not exceed the account on "proceed".
    public static func check(overrides: SettingsOverrides, isUser: Bool, account: Account, hasCodes: Bool) throws(RuleViolation) {
        if let timeout = overrides.entryTimeout { try check(timeout) }
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

    private static func check(_ timeout: Int) throws(RuleViolation) {
        guard (1...60).contains(timeout) else { throw .entryTimeoutOutOfRange(timeout) }
    }
}
