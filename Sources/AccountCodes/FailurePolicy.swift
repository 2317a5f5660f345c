/// What the store failing during a call does to that call.
public enum FailMode: String, Sendable, CaseIterable {
    /// Refuse the call (emergency calls still go through). The safe default against toll fraud.
    case closed
    /// Let the call through, logged as a warning.
    case open
}

/// The failure rules, in one place: what a call is told when the store cannot decide it or the
/// usage log cannot keep its entry.
public struct FailurePolicy: Sendable, Equatable {
    public var mode: FailMode

    public init(mode: FailMode) { self.mode = mode }

    /// The store failed before a decision: an emergency number still goes through.
    public func storeUnavailable(looksLikeEmergency: Bool) -> (result: CallResult, reason: Reason) {
        if looksLikeEmergency { return (.emergency, .emergencyStoreUnavailable) }
        switch mode {
        case .closed: return (.denied, .storeUnavailable)
        case .open: return (.proceedNoCode, .storeUnavailableFailOpen)
        }
    }

    /// Neither the usage log nor its spool kept the entry of a call decided `result`: under
    /// `closed` an allowed call is refused (never allowed unlogged); emergency calls stand.
    /// Nil: the result stands as it is.
    public func unlogged(_ result: CallResult) -> (result: CallResult, reason: Reason)? {
        guard result.allowsCall, result != .emergency else { return nil }
        switch mode {
        case .closed: return (.denied, .usageLogUnavailable)
        case .open: return (result, .usageLogUnavailableFailOpen)
        }
    }
}
