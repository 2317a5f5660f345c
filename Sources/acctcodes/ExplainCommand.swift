import AccountCodes
import ArgumentParser
import CallFlows
import Foundation
import Store

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show what the server would do for a call: its class, the settings and where each came from, the decision.",
        discussion: """
            Example: acctcodes explain --user 1001 --dial 011442079460000 --code 1234 --source 10.1.2.3
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "The caller's extension.") var user: String
    @Option(help: "The number dialed, as the dialplan sees it.") var dial: String
    @Option(help: "A code the caller would key: whether it would be accepted for this call, and if not why.") var code: String?
    @Option(help: "The PBX address the request would come from, to check the account's allowed sources.") var source: String?
    @Option(help: "The caller's channel (for callers who are not users, its device is what locks).") var channel = ""
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var account: String
        var user: String
        var userKnown: Bool
        var userEnabled: Bool
        var group: String?
        var dialed: String
        var callClass: String
        var permission: String
        var permissionFrom: String
        var settings: [String: Setting]
        var decision: String
        var reason: String
        var prompt: Prompt?
        var admission: String
        var unknownCallers: String?
        var lockSubject: String?
        var lockedUntil: Date?
        var lockout: String
        var code: CodeReport?

        struct CodeReport: Encodable { var code: String; var check: String; var accepted: Bool }

        struct Setting: Encodable { var value: String; var from: String }
        struct Prompt: Encodable {
            var poundSkips: Bool
            var mustValidate: Bool
            var afterMaxRetries: String
            var codeLength: Int
            var maxRetries: Int
            var entryTimeout: Int
        }
    }

    func run() throws {
        let db = try store.open()
        let now = Date().timeIntervalSince1970
        var query = CallQuery(account: store.account, user: user, dialed: dial, channel: channel, now: now)
        if let source {
            guard let bytes = NetworkBlock.addressBytes(source) else { throw ValidationError("--source takes an IP address") }
            query = query.from(bytes)
        }
        let setup = try db.callSetup(query)
        var report = Self.report(setup, user: user, dialed: dial, now: now)
        if let subject = setup.lockSubject, report.lockedUntil == nil, let lock = try db.lock(account: store.account, subject: subject),
           lock.isActive(at: now) {
            report.lockedUntil = Date(timeIntervalSince1970: lock.until)
        }
        if let code {
            let facts = try db.codeFacts(account: store.account, code: code)
            let check = facts?.check(user: user, group: setup.group?.name, callClass: setup.callClass, today: LocalDay.today())
                ?? .unknown
            report.code = .init(code: code, check: check.rawValue, accepted: check == .valid)
        }
        if output.json { return try printJSON(report) }
        print("call        \(user) -> \(dial) (account \(report.account))")
        print("request     \(report.admission)")
        print("user        \(report.userKnown ? (report.userEnabled ? "account codes enabled" : "account codes disabled") : "not a user of this account")"
            + (report.unknownCallers.map { " (unknown callers: \($0))" } ?? "")
            + (report.group.map { ", group \($0)" } ?? ""))
        print("lockout     \(report.lockout)" + (report.lockSubject.map { "; counts against \($0)" } ?? "")
            + (report.lockedUntil.map { "; LOCKED until \(ISO8601DateFormatter().string(from: $0))" } ?? ""))
        print("class       \(report.callClass)")
        print("permission  \(report.permission) (from \(report.permissionFrom))")
        print("settings")
        for field in SettingField.allCases {
            let s = report.settings[field.rawValue]!
            print("  \(field.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0)) \(s.value.padding(toLength: 24, withPad: " ", startingAt: 0)) from \(s.from)")
        }
        print("decision    \(report.decision) (\(report.reason))")
        if let p = report.prompt {
            print("  prompt for a \(p.codeLength)-digit code, \(p.poundSkips ? "# alone skips" : "# does not skip"), "
                + "\(p.mustValidate ? "must be in the code list" : "any digits of the right length"), "
                + "\(p.maxRetries) incorrect entries allowed, then \(p.afterMaxRetries); \(p.entryTimeout) s per digit")
        }
        if let c = report.code {
            print("code        \(c.code): \(c.accepted ? "accepted" : "refused (\(c.check)); the caller only hears that it is invalid")")
        }
    }

    static func report(_ setup: CallSetup, user: String, dialed: String, now: Double) -> Report {
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
        var report = Report(
            account: setup.account.id, user: user, userKnown: setup.user != nil, userEnabled: setup.user?.enabled ?? false,
            group: setup.group?.name, dialed: dialed, callClass: setup.callClass.rawValue,
            permission: setup.effective.permission.rawValue, permissionFrom: setup.effective.permissionSource.rawValue,
            settings: Dictionary(uniqueKeysWithValues: SettingField.allCases.map {
                ($0.rawValue, Report.Setting(value: values[$0]!, from: setup.effective.sources[$0]!.rawValue))
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
