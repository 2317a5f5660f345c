import Testing
@testable import AccountCodes

/// The `#` a caller keys after a full-length code reaches the next prompt (Asterisk's `GET DATA`
/// returns on the last digit): within the window it belongs to the code before it.
@Suite struct TrailingPoundTests {
    let quick = Duration.milliseconds(300)
    let heard = Duration.seconds(2)

    func policy(skips: Bool) -> PromptPolicy {
        PromptPolicy(poundSkips: skips, mustValidate: true, proceedAfterMaxRetries: false, codeLength: 4, maxRetries: 2, entryTimeout: 5)
    }

    /// Runs the entries with their elapsed times; the code 1234 is the valid one.
    func run(skips: Bool, _ entries: [(Entry, Duration)]) -> ([Prompt], EntryFlow.Outcome?) {
        var flow = EntryFlow(policy: policy(skips: skips))
        return flow.drive(entries.map { ($0, $1) }) { $0 == "1234" }
    }

    @Test(arguments: [false, true])
    func quickPoundAfterAFullLengthCodeReplaysThePrompt(skips: Bool) {
        let (prompts, outcome) = run(skips: skips, [(.digits("1357"), heard), (.pound, quick), (.digits("1234"), heard)])
        #expect(prompts == [skips ? .enterCodeOrPound : .enterCode, .invalidTryAgain, .invalidTryAgain])
        #expect(outcome?.result == .accepted && outcome?.incorrectEntries == 1)
    }

    @Test func poundAfterHearingThePromptSkips() {
        let (_, outcome) = run(skips: true, [(.digits("1357"), heard), (.pound, heard)])
        #expect(outcome?.result == .skipped)
    }

    @Test func quickPoundAfterAShortEntryIsTheCallersOwn() {
        // `12#` ended with its own `#`: nothing can trail it.
        let (_, outcome) = run(skips: true, [(.digits("12"), heard), (.pound, quick)])
        #expect(outcome?.result == .skipped)
    }

    @Test func quickPoundAfterATimeoutIsTheCallersOwn() {
        let (_, outcome) = run(skips: true, [(.timeout(partial: "135"), heard), (.pound, quick)])
        #expect(outcome?.result == .skipped)
    }

    @Test func onlyOnePoundIsTakenAsTrailing() {
        let (_, outcome) = run(skips: true, [(.digits("1357"), heard), (.pound, quick), (.pound, quick)])
        #expect(outcome?.result == .skipped)
    }

    @Test func unknownTimingNeverSwallowsAKey() {
        var flow = EntryFlow(policy: policy(skips: true))
        _ = flow.start()
        _ = flow.received(.digits("1357"))
        #expect(flow.validated("1357", isValid: false) == .prompt(.invalidTryAgain))
        #expect(flow.received(.pound) == .finish(.init(result: .skipped, code: nil, incorrectEntries: 1, reason: .skipped)))
    }

    @Test func theWindowIsASetting() {
        var flow = EntryFlow(policy: policy(skips: true), trailingPoundWindow: .milliseconds(100))
        _ = flow.start()
        _ = flow.received(.digits("1357"), elapsed: heard)
        _ = flow.validated("1357", isValid: false)
        #expect(flow.received(.pound, elapsed: .milliseconds(300)) == .finish(.init(result: .skipped, code: nil, incorrectEntries: 1,
                                                                                       reason: .skipped)))
    }
}
