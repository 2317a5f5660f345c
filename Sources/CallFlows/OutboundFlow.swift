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
        var reason: String
    }

    func run() async throws {
        let request = CallRequest(call.environment)
        var callClass = "unknown"
        var asked = "none"
        var outcome: Outcome
        do {
            let setup = try flows.store.callSetup(account: request.account, user: request.user, dialed: request.number)
            callClass = setup.callClass.rawValue
            switch setup.decision {
            case .proceed(let result, let reason):
                outcome = Outcome(result: result, reason: reason)
            case .deny(let reason):
                outcome = Outcome(result: .denied, reason: reason)
            case .prompt(let policy, let reason):
                asked = reason == "above-permission" ? "authorize" : (policy.poundSkips ? "optional" : "required")
                if flows.configuration.answerBeforePrompt { _ = try? await call.answer() }
                var flow = EntryFlow(policy: policy, trailingPoundWindow: flows.configuration.trailingPoundWindow)
                let collector = CodeCollector(call: call, store: flows.store, prompts: flows.configuration.prompts, account: request.account)
                let collected = try await collector.collect(&flow)
                outcome = Outcome(result: collected.result, code: collected.code, incorrectEntries: collected.incorrectEntries,
                                  reason: collected.reason)
            }
        } catch {
            if callClass == "unknown", CallClassifier.looksLikeEmergency(request.number) { callClass = CallClass.emergency.rawValue }
            outcome = storeFailure(error, callClass: callClass)
        }

        let entry = request.entry(route: "outbound", callClass: callClass, asked: asked, incorrectEntries: outcome.incorrectEntries,
                                  result: outcome.result.rawValue, reason: outcome.reason, code: outcome.code)
        // The entry is committed before the dialplan hears the answer: an allowed call is never unlogged.
        if await !flows.record(entry, call: call), outcome.result.allowsCall, outcome.result != .emergency {
            outcome = flows.configuration.failMode == .closed
                ? Outcome(result: .denied, incorrectEntries: outcome.incorrectEntries, reason: "usage-log-unavailable")
                : Outcome(result: outcome.result, code: outcome.code, incorrectEntries: outcome.incorrectEntries,
                          reason: "usage-log-unavailable-fail-open")
            call.logger.warning("usage log unavailable: answering \(outcome.result) (fail-\(flows.configuration.failMode))")
        }
        try await answer(outcome, callClass: callClass)
    }

    private func storeFailure(_ error: any Error, callClass: String) -> Outcome {
        if callClass == CallClass.emergency.rawValue {
            return Outcome(result: .emergency, reason: "emergency-store-unavailable")
        }
        call.logger.error("store unavailable during call: \(error); failing \(flows.configuration.failMode)")
        switch flows.configuration.failMode {
        case .closed: return Outcome(result: .denied, reason: "store-unavailable")
        case .open: return Outcome(result: .proceedNoCode, reason: "store-unavailable-fail-open")
        }
    }

    /// Sets the channel variables the dialplan reads; `ACCTCODE_ALLOW` goes last.
    private func answer(_ outcome: Outcome, callClass: String) async throws {
        // A caller who hung up gets no call: the dialplan sees DENIED (the log keeps ABANDONED).
        let result = outcome.result == .abandoned ? CallResult.denied : outcome.result
        var variables: [(name: String, value: String)] = []
        if result == .accepted, let code = outcome.code {
            variables += [("ACCTCODE", code), ("CHANNEL(accountcode)", code)]
        }
        variables += [
            ("ACCTCODE_CLASS", callClass), ("ACCTCODE_REASON", outcome.reason),
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
