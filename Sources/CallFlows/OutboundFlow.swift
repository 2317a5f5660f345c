import AGI
import AccountCodes
import FastAGIServer
import Logging
import StoreCore

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

    /// What the call's setup decided, kept small: a call waiting at a prompt holds its task's
    /// frames, and frames past ~1 KB cost each waiting call a 4 KB slab (the setup alone is 457 bytes).
    struct Plan {
        var callClass = "unknown"
        var asked = Asked.none
        /// Decided without a prompt.
        var outcome: Outcome?
        /// Or collect a code under this policy, from this caller.
        var prompt: PromptPolicy?
        var caller: CodeCaller?
        /// Refused before the rules (source or account): answered, but kept out of the account's usage log.
        var refused = false
    }

    func run() async throws {
        let request = CallRequest(call.takeEnvironment(), at: flows.configuration.clock())
        var plan = self.plan(request)
        if let policy = plan.prompt, let caller = plan.caller {
            if flows.configuration.answerBeforePrompt { _ = try? await call.answer() }
            plan.outcome = await collect(policy, caller: caller, number: request.number, plan: &plan)
        }
        guard let outcome = plan.outcome else { return }
        if plan.refused { return try await answer(outcome, callClass: plan.callClass) }
        try await finish(request, callClass: plan.callClass, asked: plan.asked, outcome: outcome)
    }

    /// Classifies and decides, synchronously (a few reads on this thread).
    private func plan(_ request: CallRequest) -> Plan {
        var plan = Plan()
        do {
            let setup = try flows.callSetup(request.query.from(call.peerAddress))
            plan.callClass = setup.callClass.rawValue
            plan.asked = setup.decision.asked
            if case .refused(let reason) = setup.admission {
                // Not written to that account's usage log: the request may not act for it.
                plan.refused = true
                flows.refused(reason, route: .outbound, request: request, call: call)
            }
            switch setup.decision {
            case .proceed(let result, let reason): plan.outcome = Outcome(result: result, reason: reason)
            case .deny(let reason): plan.outcome = Outcome(result: .denied, reason: reason)
            case .prompt(let policy, _):
                plan.prompt = policy
                plan.caller = CodeCaller(setup, user: request.user)
            }
        } catch {
            plan.outcome = storeFailed(error, number: request.number, plan: &plan)
        }
        return plan
    }

    /// Plays the prompts and checks the caller's entries.
    private func collect(_ policy: PromptPolicy, caller: CodeCaller, number: String, plan: inout Plan) async -> Outcome {
        var flow = EntryFlow(policy: policy, trailingPoundWindow: flows.configuration.trailingPoundWindow)
        do {
            let collected = try await CodeCollector(call: call, flows: flows, caller: caller).collect(&flow)
            return Outcome(result: collected.result, code: collected.code, incorrectEntries: collected.incorrectEntries,
                           reason: collected.reason)
        } catch {
            return storeFailed(error, number: number, plan: &plan)
        }
    }

    /// The store failed before a decision: an emergency number still goes through.
    private func storeFailed(_ error: any Error, number: String, plan: inout Plan) -> Outcome {
        let emergency = plan.callClass == CallClass.emergency.rawValue
            || (plan.callClass == "unknown" && CallClassifier.looksLikeEmergency(number))
        if emergency { plan.callClass = CallClass.emergency.rawValue }
        let failed = policy.storeUnavailable(looksLikeEmergency: emergency)
        if !emergency { call.logger.error("store unavailable during call: \(error); failing \(policy.mode)") }
        return Outcome(result: failed.result, reason: failed.reason)
    }

    /// Logs the call and answers the dialplan.
    private func finish(_ request: CallRequest, callClass: String, asked: Asked, outcome: Outcome) async throws {
        func operation() -> UsageOperation {
            .record(entry: request.entry(route: .outbound, callClass: callClass, asked: asked, incorrectEntries: outcome.incorrectEntries,
                                         result: outcome.result.rawValue, reason: outcome.reason, code: outcome.code))
        }
        // An emergency call is answered at once, whatever the store is doing; its entry follows.
        if outcome.result == .emergency {
            try await answer(outcome, callClass: callClass)
            let emergency = operation()
            flows.usageLog.recordDetached(emergency) { [call] in CallFlows.log($0, of: emergency, logger: call.logger) }
            return
        }
        // Any other entry is durable (committed or spooled) before the dialplan hears the answer:
        // an allowed call is never unlogged.
        var outcome = outcome
        if await !flows.record(operation(), call: call).isDurable, let failed = policy.unlogged(outcome.result) {
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
