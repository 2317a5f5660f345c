import AGI
import AccountCodes
import FastAGIServer
import Foundation
import StoreCore

/// Who is keying a code, for the code's limits and the lockout.
struct CodeCaller: Sendable {
    var account: String
    var user: String
    var group: String?
    var callClass: CallClass?
    /// Whom wrong codes count against; nil when nothing counts (no lockout).
    var subject: LockSubject?
    var lockout: LockoutPolicy

    init(_ setup: CallSetup, user: String) {
        account = setup.account.id
        self.user = user
        group = setup.group?.name
        callClass = setup.callClass
        subject = setup.lockSubject
        lockout = setup.lockoutPolicy
    }
}

/// Drives an `EntryFlow` over a live call: plays each prompt with `GET DATA`, checks codes, and
/// counts codes refused by the check towards the caller's lockout.
struct CodeCollector {
    let call: AGICall
    let flows: CallFlows
    let caller: CodeCaller

    enum Failure: Error {
        case store(StoreError)
    }

    func collect(_ flow: inout EntryFlow) async throws(Failure) -> EntryFlow.Outcome {
        var action = flow.start()
        while true {
            switch action {
            case .prompt(let prompt):
                let sent = ContinuousClock.now
                let result = await call.getData(file: flows.configuration.prompts.file(for: prompt),
                                                timeout: .seconds(flow.policy.entryTimeout), maxDigits: flow.policy.codeLength)
                action = flow.received(Self.entry(result), elapsed: .now - sent)
            case .validate(let code):
                action = try await validate(code, &flow)
            case .finish(let outcome):
                return outcome
            }
        }
    }

    /// Checks a code: the caller's lock first (another call may have locked them since this one
    /// began), then the code and its limits. A refused code is an incorrect entry for the lockout.
    private func validate(_ code: String, _ flow: inout EntryFlow) async throws(Failure) -> EntryFlow.Action {
        let now = Date().timeIntervalSince1970
        let check: CodeCheck
        do {
            // On SQLite the lock comes from the settings cache, or a read on this thread (the method
            // is async only for stores that ask over the network); then the code, one indexed read.
            if let subject = caller.subject, caller.lockout.isOn,
               try await flows.store.lock(account: caller.account, subject: subject)?.isActive(at: now) == true {
                return flow.lockedOut()
            }
            let facts = try flows.store.codeFacts(account: caller.account, code: code)
            check = facts?.check(user: caller.user, group: caller.group, callClass: caller.callClass, today: LocalDay.today()) ?? .unknown
        } catch {
            throw .store(error)
        }
        let action = flow.validated(code, isValid: check == .valid)
        guard check != .valid, let subject = caller.subject, caller.lockout.isOn else { return action }
        do {
            guard let lock = try await flows.store.registerIncorrectEntry(account: caller.account, subject: subject,
                                                                         policy: caller.lockout, now: now) else { return action }
            flows.metrics.lockouts.increment()
            flows.alerts.send(LockoutEvent(account: caller.account, subject: subject, lock: lock, policy: caller.lockout),
                              logger: call.logger)
            return flow.lockedOut()
        } catch {
            // The call keeps its own limit of tries; the lockout misses one entry.
            call.logger.warning("could not count an incorrect entry towards the lockout: \(error)")
            return action
        }
    }

    static func entry(_ result: GetDataResult) -> Entry {
        switch result {
        case .digits(""): .pound
        case .digits(let digits): .digits(digits)
        case .timeout(let partial): .timeout(partial: partial)
        case .hangup: .hangup
        }
    }
}
