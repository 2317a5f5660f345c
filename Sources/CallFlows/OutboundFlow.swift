import AGI
import AccountCodes
import FastAGIServer
import Logging
import Store

/// `agi://host/outbound?...`: classify, decide, collect a code if the rules say so, log, answer.
struct OutboundFlow {
    let flows: CallFlows
    let call: AGICall

    struct Outcome {
        var result: CallResult
        var code: String?
        var incorrectEntries = 0
        var reason: Reason
    }

    func run() async throws {
        let request = CallRequest(call.environment)
        var callClass = "unknown"
        var asked = Asked.none
        var outcome: Outcome
        do {
            let setup = try flows.store.callSetup(account: request.account, user: request.user, dialed: request.number)
            callClass = setup.callClass.rawValue
            switch setup.decision {
            case .proceed(let result, let reason):
                outcome = Outcome(result: result, reason: reason)
            case .deny(let reason):
                outcome = Outcome(result: .denied, reason: reason)
            case .prompt(let policy, _):
                asked = setup.decision.asked
                if flows.configuration.answerBeforePrompt { _ = try? await call.answer() }
                var flow = EntryFlow(policy: policy, trailingPoundWindow: flows.configuration.trailingPoundWindow)
                let collector = CodeCollector(call: call, store: flows.store, prompts: flows.configuration.prompts, account: request.account)
                let collected = try await collector.collect(&flow)
                outcome = Outcome(result: collected.result, code: collected.code, incorrectEntries: collected.incorrectEntries,
                                  reason: collected.reason)
            }
        } catch {
            let emergency = callClass == CallClass.emergency.rawValue
                || (callClass == "unknown" && CallClassifier.looksLikeEmergency(request.number))
            if emergency { callClass = CallClass.emergency.rawValue }
            let failed = policy.storeUnavailable(looksLikeEmergency: emergency)
            if !emergency { call.logger.error("store unavailable during call: \(error); failing \(policy.mode)") }
            outcome = Outcome(result: failed.result, reason: failed.reason)
        }

        let operation = UsageOperation.record(entry: request.entry(
            route: .outbound, callClass: callClass, asked: asked, incorrectEntries: outcome.incorrectEntries,
            result: outcome.result.rawValue, reason: outcome.reason, code: outcome.code))
        // An emergency call is answered at once, whatever the store is doing; its entry follows.
        if outcome.result == .emergency {
            try await answer(outcome, callClass: callClass)
            flows.usageLog.recordDetached(operation) { [call] in CallFlows.log($0, of: operation, logger: call.logger) }
            return
        }
        // Any other entry is durable (committed or spooled) before the dialplan hears the answer:
        // an allowed call is never unlogged.
        if await !flows.record(operation, call: call), let failed = policy.unlogged(outcome.result) {
            outcome = Outcome(result: failed.result, code: failed.result == .denied ? nil : outcome.code,
                              incorrectEntries: outcome.incorrectEntries, reason: failed.reason)
            call.logger.warning("usage log unavailable: answering \(outcome.result) (fail-\(policy.mode))")
        }
        try await answer(outcome, callClass: callClass)
    }

    private var policy: FailurePolicy { FailurePolicy(mode: flows.configuration.failMode) }

    /// Sets the channel variables the dialplan reads; `ACCTCODE_ALLOW` goes last.
    private func answer(_ outcome: Outcome, callClass: String) async throws {
        // A caller who hung up gets no call: the dialplan sees DENIED (the log keeps ABANDONED).
        let result = outcome.result == .abandoned ? CallResult.denied : outcome.result
        var variables: [(name: String, value: String)] = []
        if result == .accepted, let code = outcome.code {
            variables += [("ACCTCODE", code), ("CHANNEL(accountcode)", code)]
        }
        variables += [
            ("ACCTCODE_CLASS", callClass), ("ACCTCODE_REASON", outcome.reason.rawValue),
            ("ACCTCODE_RESULT", result.rawValue), ("ACCTCODE_ALLOW", result.allowsCall ? "1" : "0"),
        ]
        call.outcome = outcome.result.rawValue
        try await call.setVariables(variables, together: flows.configuration.setVariablesTogether)
        if result == .accepted, flows.configuration.playAccepted, !call.isHungUp {
            _ = try await call.streamFile(flows.configuration.prompts.codeAccepted)
        }
    }
}

extension CodeCollector.Failure: CustomStringConvertible {
    var description: String {
        switch self {
        case .store(let error): error.description
        }
    }
}
