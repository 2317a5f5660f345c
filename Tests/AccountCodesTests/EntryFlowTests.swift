import Testing
@testable import AccountCodes

@Suite struct EntryFlowTests {
    static let valid: Set<String> = ["1234", "0042"]

    func policy(skips: Bool = false, validate: Bool = true, proceed: Bool = false, retries: Int = 3) -> PromptPolicy {
        PromptPolicy(poundSkips: skips, mustValidate: validate, proceedAfterMaxRetries: proceed, codeLength: 4, maxRetries: retries, entryTimeout: 5)
    }

    func run(_ policy: PromptPolicy, _ entries: [Entry]) -> ([Prompt], EntryFlow.Outcome?) {
        var flow = EntryFlow(policy: policy)
        return flow.drive(entries.map { ($0, nil) }) { Self.valid.contains($0) }
    }

    @Test func acceptedFirstTime() {
        let (prompts, outcome) = run(policy(), [.digits("1234")])
        #expect(prompts == [.enterCode])
        #expect(outcome == .init(result: .accepted, code: "1234", incorrectEntries: 0, reason: .codeValid))
    }

    @Test func acceptedAfterRetriesKeepsLeadingZeros() {
        let (prompts, outcome) = run(policy(), [.digits("9999"), .timeout(partial: "12"), .digits("0042")])
        #expect(prompts == [.enterCode, .invalidTryAgain, .invalidTryAgain])
        #expect(outcome == .init(result: .accepted, code: "0042", incorrectEntries: 2, reason: .codeValid))
    }

    @Test func withoutValidationAnyDigitsOfTheRightLengthPass() {
        let (_, outcome) = run(policy(validate: false), [.digits("123"), .digits("12*4"), .digits("5555")])
        #expect(outcome == .init(result: .accepted, code: "5555", incorrectEntries: 2, reason: .codeAccepted))
    }

    @Test func poundSkipsWhenOptional() {
        let (prompts, outcome) = run(policy(skips: true, proceed: true), [.pound])
        #expect(prompts == [.enterCodeOrPound])
        #expect(outcome == .init(result: .skipped, code: nil, incorrectEntries: 0, reason: .skipped))
    }

    @Test func poundIsIncorrectWhenRequired() {
        let (_, outcome) = run(policy(retries: 2), [.pound, .timeout(partial: "")])
        #expect(outcome == .init(result: .denied, code: nil, incorrectEntries: 2, reason: .maxRetries))
    }

    @Test func maxRetriesProceedsWithoutCode() {
        let (prompts, outcome) = run(policy(proceed: true, retries: 3), [.digits("1111"), .digits("2222"), .digits("3333")])
        #expect(prompts.count == 3)
        #expect(outcome == .init(result: .proceedNoCode, code: nil, incorrectEntries: 3, reason: .maxRetriesProceed))
    }

    @Test func optionalProceedsAfterMaxRetries() {
        let (_, outcome) = run(policy(skips: true, proceed: true, retries: 1), [.digits("7777")])
        #expect(outcome?.result == .proceedNoCode)
        #expect(outcome?.code == nil, "a rejected entry is never recorded")
    }

    @Test(arguments: 1...9)
    func limitIsExactlyMaxRetries(retries: Int) {
        let (prompts, outcome) = run(policy(retries: retries), Array(repeating: .digits("0000"), count: 10))
        #expect(prompts.count == retries)
        #expect(outcome?.result == .denied)
        #expect(outcome?.incorrectEntries == retries)
    }

    @Test func hangupAbandonsAtAnyPrompt() {
        let (_, first) = run(policy(), [.hangup])
        #expect(first == .init(result: .abandoned, code: nil, incorrectEntries: 0, reason: .callerHangup))
        let (_, later) = run(policy(), [.digits("0000"), .hangup])
        #expect(later == .init(result: .abandoned, code: nil, incorrectEntries: 1, reason: .callerHangup))
    }

    @Test func everyResultAllowsOrBlocksAsTheDialplanExpects() {
        #expect(CallResult.allCases.filter(\.allowsCall) == [.notRequired, .accepted, .skipped, .proceedNoCode, .emergency])
    }
}

extension EntryFlow {
    /// Plays the flow to its end with these entries (each with how long its prompt took), answering
    /// validations with `isValid`; returns the prompts played and the outcome, nil if the entries ran out.
    mutating func drive(_ entries: [(Entry, Duration?)], isValid: (String) -> Bool) -> ([Prompt], Outcome?) {
        var prompts: [Prompt] = []
        var action = start()
        var queue = entries[...]
        while true {
            switch action {
            case .prompt(let prompt):
                prompts.append(prompt)
                guard let (entry, elapsed) = queue.popFirst() else { return (prompts, nil) }
                action = received(entry, elapsed: elapsed)
            case .validate(let code):
                action = validated(code, isValid: isValid(code))
            case .finish(let outcome):
                return (prompts, outcome)
            }
        }
    }
}
