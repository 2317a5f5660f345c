import AGI
import AccountCodes
import FastAGIServer
import Store

/// `agi://host/tag?...` from a features.conf star code: collect a code mid-call and put it on the call.
struct TagFlow {
    let flows: CallFlows
    let call: AGICall

    func run() async throws {
        let request = CallRequest(call.environment)
        let setup: CallSetup
        do {
            setup = try flows.store.callSetup(account: request.account, user: request.user, dialed: request.number)
        } catch {
            call.logger.error("store unavailable for a mid-call tag: \(error)")
            return try await finish("FAILED", reason: "store-unavailable", request: request, incorrect: 0)
        }
        let settings = setup.effective.settings
        guard settings.allowAccountCodes, setup.user?.enabled == true, let length = setup.account.codeLength else {
            return try await finish("NOTALLOWED", reason: "codes-off-for-user", request: request, incorrect: 0)
        }
        // `#` alone cancels; running out of tries just leaves the call untagged.
        let policy = PromptPolicy(poundSkips: true, mustValidate: settings.validateWhenDialed, proceedAfterMaxRetries: true,
                                  codeLength: length, maxRetries: setup.account.maxRetries, entryTimeout: settings.entryTimeout)
        var flow = EntryFlow(policy: policy, firstPrompt: .enterTagCode,
                             trailingPoundWindow: flows.configuration.trailingPoundWindow)
        let outcome: EntryFlow.Outcome
        do {
            outcome = try await CodeCollector(call: call, store: flows.store, prompts: flows.configuration.prompts,
                                              account: request.account).collect(&flow)
        } catch {
            return try await finish("FAILED", reason: "store-unavailable", request: request, incorrect: flow.incorrectEntries)
        }
        guard outcome.result == .accepted, let code = outcome.code else {
            let result = outcome.result == .skipped ? "CANCELLED" : outcome.result == .abandoned ? "ABANDONED" : "DENIED"
            return try await finish(result, reason: outcome.reason, request: request, incorrect: outcome.incorrectEntries)
        }
        let tagRequest = request.entry(route: "tag", callClass: "unknown", asked: "tag", incorrectEntries: outcome.incorrectEntries,
                                       result: "TAGGED", reason: outcome.reason, code: nil)
        _ = await flows.record(.tag(request: tagRequest, code: code), call: call)
        call.outcome = "TAGGED"
        try await call.setVariables([("CHANNEL(accountcode)", code), ("ACCTCODE", code), ("ACCTCODE_TAG_RESULT", "ACCEPTED")],
                                    together: flows.configuration.setVariablesTogether)
        if !call.isHungUp { _ = try await call.streamFile(flows.configuration.prompts.codeAccepted) }
    }

    /// A tag request that set no code is still a request: logged as a `tag-attempt`.
    private func finish(_ result: String, reason: String, request: CallRequest, incorrect: Int) async throws {
        let entry = request.entry(route: "tag-attempt", callClass: "unknown", asked: "tag", incorrectEntries: incorrect,
                                  result: result, reason: reason, code: nil)
        _ = await flows.record(.record(entry: entry), call: call)
        call.outcome = result
        try await call.setVariable("ACCTCODE_TAG_RESULT", result)
    }
}

