/// The mid-call tag's rules: who may tag, how the code is collected, what the dialplan is told.
public enum TagPolicy {
    public enum Decision: Sendable, Equatable {
        case notAllowed(Reason)
        case prompt(PromptPolicy)
    }

    /// `#` alone cancels; running out of tries leaves the call untagged (it is already connected).
    public static func decide(settings: Settings, userEnabled: Bool, account: Account) -> Decision {
        guard settings.allowAccountCodes, userEnabled, let length = account.codeLength else { return .notAllowed(.codesOffForUser) }
        return .prompt(PromptPolicy(poundSkips: true, mustValidate: settings.validateWhenDialed, proceedAfterMaxRetries: true,
                                    codeLength: length, maxRetries: account.maxRetries, entryTimeout: settings.entryTimeout))
    }

    /// `ACCTCODE_TAG_RESULT` for the caller's entries.
    public static func result(of outcome: EntryFlow.Outcome) -> TagResult {
        switch outcome.result {
        case .accepted: .accepted
        case .skipped: .cancelled
        case .abandoned: .abandoned
        default: .denied
        }
    }
}
