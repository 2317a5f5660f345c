import AccountCodes
import Admin
import ArgumentParser
import Foundation
import Store
import StoreCore

struct ExplainCommand: AsyncParsableCommand {
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

    func run() async throws {
        let report = try await admin(store, callPath: true).explain(.init(account: store.account, user: user, dialed: dial, code: code, source: source,
                                                    channel: channel))
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
}
