import ArgumentParser
import FakeAsterisk
import Foundation

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Play Asterisk's side of one call against a running server and print the dialogue.",
        discussion: """
        Try the product without a PBX. --keys is what the caller keys during the call, as one stream
        the way Asterisk hears it: each GET DATA takes keys up to the code length or through #, and
        what is left answers the next prompt. A comma is the caller pausing until the next prompt:
        1357#1234# (a quick caller: wrong code, right code), 1357,# (hears the re-prompt, then #),
        12, (two digits, then silence), ,, (a prompt left to time out).
        Example: acctcodes call --user 1001 --dial 011442079460000 --keys 9999#1234#
        """
    )

    @Option(help: "The server's address.") var server = ListenAddress(host: "127.0.0.1", port: 4573)
    @Option(help: "Route: outbound, tag, hangup or ping.") var route = "outbound"
    @Option(help: "Account.") var account = "default"
    @Option(help: "The caller's extension.") var user = "1001"
    @Option(help: "The number dialed.") var dial = "011442079460000"
    @Option(name: [.customLong("keys"), .customLong("digits")], help: "What the caller keys, as one stream (a comma: a pause until the next prompt).")
    var keys = ""
    @Option(help: "The caller hangs up during this command (1 = the first).") var hangupAfter: Int?
    @Option(help: "Asterisk's uniqueid for the call.") var uniqueid = String(format: "%.0f.%d", Date().timeIntervalSince1970, Int.random(in: 1...999))
    @Option(help: "Billable seconds to report, for --route hangup.") var billsec = 0
    @Option(help: "The PBX's name (the dialplan's ACCTCODES_PBX); none by default.") var pbx: String?
    @Option(help: "With --route hangup: report the outside leg's end instead of the caller's (leg=far), the outside party then talking to this number (a transfer); --billsec is the outside leg's time.")
    var transferredTo: String?

    func run() async throws {
        // A hangup handler's figures for a call answered `billsec` seconds before it ended.
        let now = Int(Date().timeIntervalSince1970)
        var hangupQuery = route == "hangup"
            ? ["dialstatus=ANSWER", "answeredat=\(now - billsec)", "endedat=\(now)", "duration=\(billsec + 5)"] : []
        // The outside leg's hangup handler runs on that leg's own channel and names the call.
        var channelID = uniqueid
        if route == "hangup", let transferredTo {
            let connected = transferredTo.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            hangupQuery = ["leg=far", "call=\(uniqueid)", "answeredat=\(now - billsec)", "endedat=\(now)", "connected=\(connected)"]
            channelID = uniqueid + "-outside"
        }
        var environment = SessionEnvironment.call(route: route, account: account, user: user, dial: dial, uniqueID: channelID,
                                                  pbx: pbx, extraQuery: hangupQuery)
        environment.host = server.description
        let script = CallScript(keys: keys, hangupAtCommand: hangupAfter, startsDead: route == "hangup")
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
