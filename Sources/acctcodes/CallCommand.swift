import ArgumentParser
import FakeAsterisk
import Foundation

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Play Asterisk's side of one call against a running server and print the dialogue.",
        discussion: """
        Try the product without a PBX. --digits gives the keys pressed at each prompt, comma-separated:
        1234# (code then #), # (pound alone), 12 (then the timeout), or nothing (a timeout).
        Example: acctcodes call --user 1001 --dial 011442079460000 --digits 9999#,1234#
        """
    )

    @Option(help: "The server's address.") var server = ListenAddress(host: "127.0.0.1", port: 4573)
    @Option(help: "Route: outbound, tag, hangup or ping.") var route = "outbound"
    @Option(help: "Account.") var account = "default"
    @Option(help: "The caller's extension.") var user = "1001"
    @Option(help: "The number dialed.") var dial = "011442079460000"
    @Option(help: "Keys pressed at each prompt, comma-separated.") var digits = ""
    @Option(help: "The caller hangs up during this command (1 = the first).") var hangupAfter: Int?
    @Option(help: "Asterisk's uniqueid for the call.") var uniqueid = String(format: "%.0f.%d", Date().timeIntervalSince1970, Int.random(in: 1...999))
    @Option(help: "Billable seconds to report, for --route hangup.") var billsec = 0

    func run() async throws {
        let hangupQuery = route == "hangup" ? ["disposition=ANSWERED", "duration=\(billsec + 5)", "billsec=\(billsec)"] : []
        var environment = SessionEnvironment.call(route: route, account: account, user: user, dial: dial, uniqueID: uniqueid,
                                                  extraQuery: hangupQuery)
        environment.host = server.description
        let keys = digits.isEmpty ? [] : digits.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let script = CallScript(keypresses: keys, hangupAtCommand: hangupAfter, startsDead: route == "hangup")
        let record: SessionRecord
        do {
            record = try await FakeAsteriskClient(host: server.host, port: server.port).run(environment, script: script)
        } catch {
            throw ValidationError("cannot reach the server at \(server): \(error). Is `acctcodes serve` running?")
        }
        var inEnvironment = true
        for (direction, line) in record.dialogue {
            if inEnvironment {
                if line.isEmpty { inEnvironment = false }
                if line.hasPrefix("agi_network_script") || line.hasPrefix("agi_callerid:") || line.hasPrefix("agi_extension") {
                    print("\(direction.rawValue) \(line)")
                }
                if line.isEmpty { print("A>   (\(environment.pairs.count) environment lines in all)") }
                continue
            }
            print("\(direction.rawValue) \(line)")
        }
        print("")
        if let result = record.variables["ACCTCODE_RESULT"] {
            print("result: \(result), allow=\(record.variables["ACCTCODE_ALLOW"] ?? "?"), class=\(record.variables["ACCTCODE_CLASS"] ?? "?"), "
                + "reason=\(record.variables["ACCTCODE_REASON"] ?? "?")" + (record.variables["ACCTCODE"].map { ", code=\($0)" } ?? ""))
        } else if let tag = record.variables["ACCTCODE_TAG_RESULT"] {
            print("tag result: \(tag)" + (record.variables["ACCTCODE"].map { ", code=\($0)" } ?? ""))
        } else {
            print("session ended (\(record.ending)) after \(record.commands.count) commands")
        }
    }
}
