import AccountCodes
import ArgumentParser
import Store

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show what the server would do for a call: its class, the settings and where each came from, the decision.",
        discussion: "Example: acctcodes explain --user 1001 --dial 011442079460000"
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "The caller's extension.") var user: String
    @Option(help: "The number dialed, as the dialplan sees it.") var dial: String
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
        let setup = try store.open().callSetup(account: store.account, user: user, dialed: dial)
        let report = Self.report(setup, user: user, dialed: dial)
        if output.json { return try printJSON(report) }
        print("call        \(user) -> \(dial) (account \(report.account))")
        print("user        \(report.userKnown ? (report.userEnabled ? "account codes enabled" : "account codes disabled") : "not a user of this account")"
            + (report.group.map { ", group \($0)" } ?? ""))
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
    }

    static func report(_ setup: CallSetup, user: String, dialed: String) -> Report {
        let s = setup.effective.settings
        let values: [SettingField: String] = [
            .allowAccountCodes: onOff(s.allowAccountCodes), .requireForInternal: onOff(s.requireForInternal),
            .validateWhenDialed: onOff(s.validateWhenDialed), .proceedAfterMaxRetries: onOff(s.proceedAfterMaxRetries),
            .callsRequiringCodes: s.callsRequiringCodes.isEmpty ? "none" : s.callsRequiringCodes.sorted().map(\.rawValue).joined(separator: ","),
            .collection: s.collection.rawValue, .entryTimeout: "\(s.entryTimeout)s",
        ]
        var report = Report(
            account: setup.account.id, user: user, userKnown: setup.user != nil, userEnabled: setup.user?.enabled ?? false,
            group: setup.group?.name, dialed: dialed, callClass: setup.callClass.rawValue,
            permission: setup.effective.permission.rawValue, permissionFrom: setup.effective.permissionSource.rawValue,
            settings: Dictionary(uniqueKeysWithValues: SettingField.allCases.map {
                ($0.rawValue, Report.Setting(value: values[$0]!, from: setup.effective.sources[$0]!.rawValue))
            }),
            decision: "", reason: setup.decision.reason.rawValue)
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
