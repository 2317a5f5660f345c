/// One thing the caller did at a prompt.
public enum Entry: Sendable, Equatable {
    /// Digits ended by `#` or by reaching the code length.
    case digits(String)
    /// `#` alone.
    case pound
    /// The prompt timed out; `partial` is what was keyed before it.
    case timeout(partial: String)
    case hangup
}

/// Which prompt to play next.
public enum Prompt: String, Sendable, Equatable, CaseIterable {
    case enterCode
    case enterCodeOrPound
    case invalidTryAgain
    case enterTagCode
}

/// The collection of a code as a state machine: the caller of `start`/`received`/`validated`
/// plays the prompts, looks codes up, and stops at `finish`.
public struct EntryFlow: Sendable {
    public enum Action: Sendable, Equatable {
        case prompt(Prompt)
        /// Look this code up (active, in this account) and call `validated`.
        case validate(String)
        case finish(Outcome)
    }

    public struct Outcome: Sendable, Equatable {
        public var result: CallResult
        /// The accepted code; never a rejected entry.
        public var code: String?
        public var incorrectEntries: Int
        public var reason: Reason
    }

    public let policy: PromptPolicy
    public private(set) var incorrectEntries = 0
    private let firstPrompt: Prompt
    private var awaitingValidation: String?
    public private(set) var outcome: Outcome?
    /// How soon a `#` alone must end the prompt after a full-length code to count as that code's
    /// own `#` rather than the caller's answer to the new prompt.
    public let trailingPoundWindow: Duration
    /// The prompt last played, and whether a `#` may still be on its way from the entry before it.
    private var lastPrompt: Prompt
    private var poundMayTrail = false

    /// The default window: a caller's `#` comes within a key gap of the last digit (a few hundred
    /// ms), while a `#` meant for the re-prompt comes after hearing at least part of it.
    public static let defaultTrailingPoundWindow = Duration.seconds(1)

    public init(policy: PromptPolicy, firstPrompt: Prompt? = nil, trailingPoundWindow: Duration = defaultTrailingPoundWindow) {
        self.policy = policy
        self.firstPrompt = firstPrompt ?? (policy.poundSkips ? .enterCodeOrPound : .enterCode)
        self.lastPrompt = self.firstPrompt
        self.trailingPoundWindow = trailingPoundWindow
    }

    public func start() -> Action { .prompt(firstPrompt) }

    /// The caller's entry at the prompt last asked for; `elapsed` is how long the prompt took to
    /// answer (from sending it to its reply), `nil` when unknown.
    ///
    /// Asterisk's `GET DATA` with max digits = code length returns on the last digit, so the `#`
    /// the prompt asks for is still to come and ends the next prompt at once (`ast_readstring_full`
    /// takes it as an empty entry). A `#` alone that ends the prompt after a full-length code
    /// within `trailingPoundWindow` is that `#`: the prompt is played again, with nothing counted.
    public mutating func received(_ entry: Entry, elapsed: Duration? = nil) -> Action {
        precondition(outcome == nil && awaitingValidation == nil, "entry after the flow ended or during validation")
        let trailing = poundMayTrail
        poundMayTrail = false
        switch entry {
        case .pound where trailing && elapsed.map({ $0 < trailingPoundWindow }) == true:
            return .prompt(lastPrompt)
        case .digits(let code) where code.count == policy.codeLength:
            poundMayTrail = true
        default:
            break
        }
        switch entry {
        case .hangup:
            return finish(.abandoned, code: nil, reason: .callerHangup)
        case .pound where policy.poundSkips:
            return finish(.skipped, code: nil, reason: .skipped)
        case .pound, .timeout:
            return incorrect()
        case .digits(let code):
            guard SettingsRules.isWellFormed(code, length: policy.codeLength) else { return incorrect() }
            if policy.mustValidate {
                awaitingValidation = code
                return .validate(code)
            }
            return finish(.accepted, code: code, reason: .codeAccepted)
        }
    }

    public mutating func validated(_ code: String, isValid: Bool) -> Action {
        precondition(awaitingValidation == code, "validated a code that was not asked for")
        awaitingValidation = nil
        return isValid ? finish(.accepted, code: code, reason: .codeValid) : incorrect()
    }

    /// The caller was locked out while keying (here or on another call): the flow ends DENIED,
    /// whatever it was waiting for. A flow already finished keeps its outcome.
    public mutating func lockedOut() -> Action {
        if let outcome { return .finish(outcome) }
        awaitingValidation = nil
        return finish(.denied, code: nil, reason: .lockedOut)
    }

    private mutating func incorrect() -> Action {
        incorrectEntries += 1
        guard incorrectEntries >= policy.maxRetries else {
            lastPrompt = .invalidTryAgain
            return .prompt(.invalidTryAgain)
        }
        return policy.proceedAfterMaxRetries
            ? finish(.proceedNoCode, code: nil, reason: .maxRetriesProceed)
            : finish(.denied, code: nil, reason: .maxRetries)
    }

    private mutating func finish(_ result: CallResult, code: String?, reason: Reason) -> Action {
        let outcome = Outcome(result: result, code: code, incorrectEntries: incorrectEntries, reason: reason)
        self.outcome = outcome
        return .finish(outcome)
    }
}
