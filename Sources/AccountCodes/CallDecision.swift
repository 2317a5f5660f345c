/// The result reported to the dialplan in `ACCTCODE_RESULT`.
public enum CallResult: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case notRequired = "NOTREQUIRED"
    case accepted = "ACCEPTED"
    case skipped = "SKIPPED"
    case proceedNoCode = "PROCEED_NO_CODE"
    case denied = "DENIED"
    case emergency = "EMERGENCY"
    /// Usage log only: the caller hung up before a result. The dialplan sees DENIED.
    case abandoned = "ABANDONED"

    public var description: String { rawValue }
    /// Whether the dialplan may dial.
    public var allowsCall: Bool { [.notRequired, .accepted, .skipped, .proceedNoCode, .emergency].contains(self) }
}

/// How to collect a code for one call.
public struct PromptPolicy: Sendable, Equatable {
    /// `#` alone skips the code (optional collection).
    public var poundSkips: Bool
    /// The code must be in the account's list and active.
    public var mustValidate: Bool
    /// When the limit of incorrect entries is reached, the call goes on without a code.
    public var proceedAfterMaxRetries: Bool
    public var codeLength: Int
    public var maxRetries: Int
    public var entryTimeout: Int

    public init(poundSkips: Bool, mustValidate: Bool, proceedAfterMaxRetries: Bool, codeLength: Int, maxRetries: Int, entryTimeout: Int) {
        self.poundSkips = poundSkips
        self.mustValidate = mustValidate
        self.proceedAfterMaxRetries = proceedAfterMaxRetries
        self.codeLength = codeLength
        self.maxRetries = maxRetries
        self.entryTimeout = entryTimeout
    }
}

/// What to do with one outbound call before any digit is keyed.
public enum CallDecision: Sendable, Equatable {
    /// No prompt; the result says why (NOTREQUIRED or EMERGENCY).
    case proceed(CallResult, reason: Reason)
    /// No prompt; the call is refused.
    case deny(reason: Reason)
    /// Collect a code under this policy.
    case prompt(PromptPolicy, reason: Reason)

    public var reason: Reason {
        switch self {
        case .proceed(_, let reason), .deny(let reason), .prompt(_, let reason): reason
        }
    }

    /// What the caller is asked for, as the usage log records it.
    public var asked: Asked {
        guard case .prompt(let policy, let reason) = self else { return .none }
        if reason == .abovePermission { return .authorize }
        return policy.poundSkips ? .optional : .required
    }
}

/// Who is calling, as the decision sees it.
public enum Caller: Sendable, Equatable {
    /// A user of the account, with account codes on or off.
    case user(enabled: Bool)
    /// Not a user of the account; the account's rule for such callers applies.
    case unknown(UnknownCallers)
}

extension CallDecision {
    /// The decision for a caller, known or not. An unknown caller under `refuse` is decided as an
    /// enabled user with the account's defaults, and refused wherever that would prompt: the
    /// caller ID may be spoofed, so it opens nothing a code guards. Under `group`, the settings
    /// passed in already hold that group's, and the caller counts as enabled.
    public static func decide(callClass: CallClass, settings: EffectiveSettings, caller: Caller, account: Account) -> CallDecision {
        switch caller {
        case .user(let enabled):
            return decide(callClass: callClass, settings: settings, userEnabled: enabled, account: account)
        case .unknown(.group):
            return decide(callClass: callClass, settings: settings, userEnabled: true, account: account)
        case .unknown(.refuse):
            let decision = decide(callClass: callClass, settings: settings, userEnabled: true, account: account)
            if case .prompt = decision { return .deny(reason: .unknownCaller) }
            return decision
        }
    }

    /// A decision to prompt becomes a refusal while the caller is locked out; anything else stands
    /// (emergency and calls that need no code go through).
    public func lockedOut(_ locked: Bool) -> CallDecision {
        if locked, case .prompt = self { return .deny(reason: .lockedOut) }
        return self
    }

    /// The spec's decision table, row by row, first match wins.
    public static func decide(callClass: CallClass, settings effective: EffectiveSettings, userEnabled: Bool,
                              account: Account) -> CallDecision {
        let s = effective.settings
        if callClass == .emergency { return .proceed(.emergency, reason: .emergency) }
        let abovePermission = callClass.permissionLevel > effective.permission
        guard s.allowAccountCodes, userEnabled, let length = account.codeLength else {
            if abovePermission { return .deny(reason: .abovePermission) }
            return .proceed(.notRequired, reason: s.allowAccountCodes && account.codeLength != nil ? .userNotEnabled : .codesOff)
        }
        func policy(skips: Bool, validate: Bool, proceed: Bool) -> PromptPolicy {
            PromptPolicy(poundSkips: skips, mustValidate: validate, proceedAfterMaxRetries: proceed,
                         codeLength: length, maxRetries: account.maxRetries, entryTimeout: s.entryTimeout)
        }
        // The code is what authorizes a call above the group's permission: always checked, never skipped.
        if abovePermission {
            return .prompt(policy(skips: false, validate: true, proceed: false), reason: .abovePermission)
        }
        if callClass == .internal {
            return s.requireForInternal
                ? .prompt(policy(skips: false, validate: s.validateWhenDialed, proceed: s.proceedAfterMaxRetries), reason: .internalRequired)
                : .proceed(.notRequired, reason: .internal)
        }
        if let requirable = RequirableClass(rawValue: callClass.rawValue), s.callsRequiringCodes.contains(requirable) {
            return .prompt(policy(skips: false, validate: s.validateWhenDialed, proceed: s.proceedAfterMaxRetries),
                           reason: .requiresCode(requirable))
        }
        switch s.collection {
        case .required:
            return .prompt(policy(skips: false, validate: s.validateWhenDialed, proceed: s.proceedAfterMaxRetries), reason: .collectionRequired)
        case .optional:
            return .prompt(policy(skips: true, validate: s.validateWhenDialed, proceed: true), reason: .collectionOptional)
        case .off:
            return .proceed(.notRequired, reason: .collectionOff)
        }
    }
}
