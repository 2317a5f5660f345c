/// Why a call was decided as it was: `ACCTCODE_REASON` for the dialplan, the usage log's `reason`.
/// The raw values are what the dialplan and the database see.
public enum Reason: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    // The decision table.
    case emergency
    case abovePermission = "above-permission"
    case userNotEnabled = "user-not-enabled"
    case codesOff = "codes-off"
    case `internal`
    case internalRequired = "internal-required"
    case internationalRequiresCode = "international-requires-code"
    case directoryRequiresCode = "directory-requires-code"
    case premiumRequiresCode = "premium-requires-code"
    case collectionRequired = "collection-required"
    case collectionOptional = "collection-optional"
    case collectionOff = "collection-off"
    // The caller's entries.
    case codeValid = "code-valid"
    case codeAccepted = "code-accepted"
    case skipped
    case maxRetries = "max-retries"
    case maxRetriesProceed = "max-retries-proceed"
    case callerHangup = "caller-hangup"
    // Failures.
    case storeUnavailable = "store-unavailable"
    case storeUnavailableFailOpen = "store-unavailable-fail-open"
    case emergencyStoreUnavailable = "emergency-store-unavailable"
    case usageLogUnavailable = "usage-log-unavailable"
    case usageLogUnavailableFailOpen = "usage-log-unavailable-fail-open"
    // Toll-fraud defenses.
    /// Too many incorrect entries: the caller is locked out of code-gated calls for a while.
    case lockedOut = "locked-out"
    /// The request names an account the store does not have.
    case unknownAccount = "unknown-account"
    /// The caller is not a user of the account, and the account refuses such callers where a code is needed.
    case unknownCaller = "unknown-caller"
    /// The request came from a source the account does not allow.
    case sourceNotAllowed = "source-not-allowed"
    // The mid-call tag and the hangup.
    case codesOffForUser = "codes-off-for-user"
    case noOutboundEntry = "no-outbound-entry"

    public var description: String { rawValue }

    /// The decision table's reason for a class the account requires a code for.
    public static func requiresCode(_ requirable: RequirableClass) -> Reason {
        switch requirable {
        case .international: .internationalRequiresCode
        case .directory: .directoryRequiresCode
        case .premium: .premiumRequiresCode
        }
    }
}

/// What was asked of the caller, in the usage log's `asked` column.
public enum Asked: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case none, required, optional
    /// A code authorizing a call above the caller's permission.
    case authorize
    case tag

    public var description: String { rawValue }
}

/// `ACCTCODE_TAG_RESULT` after the mid-call star code; the usage log's result of a tag request.
public enum TagResult: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case accepted = "ACCEPTED"
    /// `#` alone.
    case cancelled = "CANCELLED"
    /// No valid code within the tries.
    case denied = "DENIED"
    /// The caller hung up while keying.
    case abandoned = "ABANDONED"
    /// Codes are off for this caller, or the call was not placed through acctcodes.
    case notAllowed = "NOTALLOWED"
    case failed = "FAILED"

    public var description: String { rawValue }

    /// A tag entry's result as the usage log records it, once the code is on the call.
    public static let tagged = "TAGGED"
}

/// The usage log's `route`: which request an entry records.
public enum UsageRoute: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case outbound
    /// A mid-call code on a call with no outbound entry.
    case tag
    /// A mid-call request that set no code.
    case tagAttempt = "tag-attempt"
    /// A hangup with no entry to complete.
    case hangup

    public var description: String { rawValue }
}
