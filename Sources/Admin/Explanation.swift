import AccountCodes
import Foundation
import Store
import StoreCore

/// What the server would do for a call, and why: `acctcodes explain` and the API's explain.
public struct Explanation: Sendable, Encodable {
    public var account: String
    public var user: String
    public var userKnown: Bool
    public var userEnabled: Bool
    public var group: String?
    public var dialed: String
    public var callClass: String
    public var permission: String
    public var permissionFrom: String
    public var settings: [String: Setting]
    public var decision: String
    public var reason: String
    public var prompt: Prompt?
    public var admission: String
    public var unknownCallers: String?
    public var lockSubject: String?
    public var lockedUntil: Date?
    public var lockout: String
    public var code: CodeReport?

    public struct CodeReport: Sendable, Encodable { public var code: String; public var check: String; public var accepted: Bool }

    public struct Setting: Sendable, Encodable { public var value: String; public var from: String }
    public struct Prompt: Sendable, Encodable {
        public var poundSkips: Bool
        public var mustValidate: Bool
        public var afterMaxRetries: String
        public var codeLength: Int
        public var maxRetries: Int
        public var entryTimeout: Int
    }
}

extension Admin {
    /// A call to explain: who dials what, and optionally the code they would key, the PBX it
    /// would come from and the caller's channel.
    public struct ExplainRequest: Sendable {
        public var account: String
        public var user: String
        public var dialed: String
        public var code: String?
        public var source: String?
        public var channel: String

        public init(account: String, user: String, dialed: String, code: String? = nil, source: String? = nil, channel: String = "") {
            self.account = account
            self.user = user
            self.dialed = dialed
            self.code = code
            self.source = source
            self.channel = channel
        }
    }

    public func explain(_ request: ExplainRequest, now: Date = Date()) async throws(AdminError) -> Explanation {
        try authorize(.explain, account: request.account)
        let seconds = now.timeIntervalSince1970
        var query = CallQuery(account: request.account, user: request.user, dialed: request.dialed, channel: request.channel, now: seconds)
        if let source = request.source {
            guard let bytes = NetworkBlock.addressBytes(source) else { throw AdminError(.invalid, "source takes an IP address", field: "source") }
            query = query.from(bytes)
        }
        return try await run { () async throws(StoreError) in
            let setup = try store.callSetup(query)
            var report = Self.explanation(setup, user: request.user, dialed: request.dialed)
            if let subject = setup.lockSubject, report.lockedUntil == nil,
               let lock = try await store.lock(account: request.account, subject: subject), lock.isActive(at: seconds) {
                report.lockedUntil = Date(timeIntervalSince1970: lock.until)
            }
            if let code = request.code {
                let facts = try store.codeFacts(account: request.account, code: code)
                let check = facts?.check(user: request.user, group: setup.group?.name, callClass: setup.callClass, today: LocalDay.today(now))
                    ?? .unknown
                report.code = .init(code: code, check: check.rawValue, accepted: check == .valid)
            }
            return report
        }
    }

    static func explanation(_ setup: CallSetup, user: String, dialed: String) -> Explanation {
        let s = setup.effective.settings
        let values: [SettingField: String] = [
            .allowAccountCodes: onOff(s.allowAccountCodes), .requireForInternal: onOff(s.requireForInternal),
            .validateWhenDialed: onOff(s.validateWhenDialed), .proceedAfterMaxRetries: onOff(s.proceedAfterMaxRetries),
            .callsRequiringCodes: s.callsRequiringCodes.isEmpty ? "none" : s.callsRequiringCodes.sorted().map(\.rawValue).joined(separator: ","),
            .collection: s.collection.rawValue, .entryTimeout: "\(s.entryTimeout)s",
            .lockoutAfter: s.lockoutAfter == 0 ? "off" : "\(s.lockoutAfter)", .lockoutWindow: "\(s.lockoutWindow)m",
            .lockoutMinutes: "\(s.lockoutMinutes)m",
        ]
        let admission = switch setup.admission {
        case .admitted: "served"
        case .refused(.sourceNotAllowed): "REFUSED: this source may not act for the account (source-not-allowed)"
        case .refused(.unknownAccount): "REFUSED: no such account (unknown-account)"
        case .refused(let reason): "REFUSED (\(reason))"
        }
        let unknownCallers: String? = switch setup.caller {
        case .user: nil
        case .unknown(.refuse): "refused where a code is needed (refuse)"
        case .unknown(.group(let name)): "treated as group \(name)"
        }
        let policy = setup.lockoutPolicy
        var report = Explanation(
            account: setup.account.id, user: user, userKnown: setup.user != nil, userEnabled: setup.user?.enabled ?? false,
            group: setup.group?.name, dialed: dialed, callClass: setup.callClass.rawValue,
            permission: setup.effective.permission.rawValue, permissionFrom: setup.effective.permissionSource.rawValue,
            settings: Dictionary(uniqueKeysWithValues: SettingField.allCases.map {
                ($0.rawValue, Explanation.Setting(value: values[$0]!, from: setup.effective.sources[$0]!.rawValue))
            }),
            decision: "", reason: setup.decision.reason.rawValue, admission: admission, unknownCallers: unknownCallers,
            lockSubject: setup.lockSubject?.key,
            lockedUntil: setup.isLocked ? setup.lock.map { Date(timeIntervalSince1970: $0.until) } : nil,
            lockout: policy.isOn ? "after \(policy.maxIncorrect) incorrect entries in \(policy.window / 60) min, \(policy.firstLock / 60) min first" : "off")
        switch setup.decision {
        case .proceed(let result, _): report.decision = "\(result) (dial, no prompt)"
        case .deny: report.decision = "DENIED (no prompt)"
        case .prompt(let p, _):
            report.decision = "PROMPT"
            report.prompt = .init(poundSkips: p.poundSkips, mustValidate: p.mustValidate,
                                  afterMaxRetries: p.proceedAfterMaxRetries ? "proceed without a code" : "end the call",
                                  codeLength: p.codeLength, maxRetries: p.maxRetries, entryTimeout: p.entryTimeout)
        }
        return report
    }
}

private func onOff(_ value: Bool) -> String { value ? "on" : "off" }
