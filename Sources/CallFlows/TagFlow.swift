import AGI
import AccountCodes
import FastAGIServer
import StoreCore

/// `agi://host/tag?...` from a features.conf star code: collect a code mid-call and put it on the call.
struct TagFlow {
    let flows: CallFlows
    let call: AGICall

    func run() async throws {
        let request = CallRequest(call.takeEnvironment(), at: flows.configuration.clock())
        let setup: CallSetup
        do {
            setup = try flows.callSetup(request.query.from(call.peerAddress))
        } catch {
            call.logger.error("store unavailable for a mid-call tag: \(error)")
            return try await finish(.failed, reason: .storeUnavailable, request: request, incorrect: 0)
        }
        if case .refused(let reason) = setup.admission {
            // Not written to that account's usage log: the request may not act for it.
            flows.refused(reason, route: .tag, request: request, call: call)
            call.outcome = TagResult.denied.rawValue
            return try await call.setVariable("ACCTCODE_TAG_RESULT", TagResult.denied.rawValue)
        }
        let policy: PromptPolicy
        switch TagPolicy.decide(settings: setup.effective.settings, userEnabled: setup.callerEnabled, account: setup.account) {
        case .notAllowed(let reason):
            return try await finish(.notAllowed, reason: reason, request: request, incorrect: 0)
        case .prompt(let tagPolicy):
            policy = tagPolicy
        }
        if setup.isLocked {
            return try await finish(.denied, reason: .lockedOut, request: request, incorrect: 0)
        }
        var flow = EntryFlow(policy: policy, firstPrompt: .enterTagCode, trailingPoundWindow: flows.configuration.trailingPoundWindow)
        let outcome: EntryFlow.Outcome
        do {
            outcome = try await CodeCollector(call: call, flows: flows, caller: CodeCaller(setup, user: request.user)).collect(&flow)
        } catch {
            return try await finish(.failed, reason: .storeUnavailable, request: request, incorrect: flow.incorrectEntries)
        }
        let result = TagPolicy.result(of: outcome)
        guard result == .accepted, let code = outcome.code else {
            return try await finish(result, reason: outcome.reason, request: request, incorrect: outcome.incorrectEntries)
        }
        let tagRequest = request.entry(route: .tag, callClass: "unknown", asked: .tag, incorrectEntries: outcome.incorrectEntries,
                                       result: TagResult.tagged, reason: outcome.reason, code: nil)
        _ = await flows.record(.tag(request: tagRequest, code: code), call: call)
        call.outcome = TagResult.tagged
        try await call.setVariables([("CHANNEL(accountcode)", code), ("ACCTCODE", code), ("ACCTCODE_TAG_RESULT", result.rawValue)],
                                    together: flows.configuration.setVariablesTogether)
        if !call.isHungUp { _ = try await call.streamFile(flows.configuration.prompts.codeAccepted) }
    }

    /// A tag request that set no code is still a request: logged as a `tag-attempt`.
    private func finish(_ result: TagResult, reason: Reason, request: CallRequest, incorrect: Int) async throws {
        let entry = request.entry(route: .tagAttempt, callClass: "unknown", asked: .tag, incorrectEntries: incorrect,
                                  result: result.rawValue, reason: reason, code: nil)
        _ = await flows.record(.record(entry: entry), call: call)
        call.outcome = result.rawValue
        try await call.setVariable("ACCTCODE_TAG_RESULT", result.rawValue)
    }
}
