import AGI
import FastAGIServer
import Foundation
import Store

/// `agi://host/hangup?...` from a hangup handler: adds the end of the call to its usage-log entry.
/// The dialplan passes `disposition`, `duration` and `billsec` in the query (no round trip);
/// whatever is missing is read from the CDR in one `GET FULL VARIABLE`.
struct HangupFlow {
    let flows: CallFlows
    let call: AGICall

    func run() async throws {
        let request = CallRequest(call.environment)
        let p = call.parameters
        var disposition = p["disposition"]
        var duration = p["duration"].flatMap { Int($0) }
        var billsec = p["billsec"].flatMap { Int($0) }
        if disposition == nil || duration == nil || billsec == nil,
           let cdr = try? await call.getFullVariable("${CDR(disposition)}|${CDR(duration)}|${CDR(billsec)}") {
            let parts = cdr.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 {
                disposition = disposition ?? (parts[0].isEmpty ? nil : parts[0])
                duration = duration ?? Int(parts[1])
                billsec = billsec ?? Int(parts[2])
            }
        }
        let entry = request.entry(route: "hangup", callClass: "unknown", asked: "none", incorrectEntries: 0, result: "HANGUP",
                                  reason: "no-outbound-entry", code: nil)
        do {
            let matched = try await flows.store.recordHangup(entry, endedAt: Date(), disposition: disposition ?? "UNKNOWN",
                                                             duration: duration, billsec: billsec)
            call.outcome = matched ? "RECORDED" : "NO_ENTRY"
        } catch {
            var ended = entry
            ended.endedAt = Date()
            ended.disposition = disposition ?? "UNKNOWN"
            ended.duration = duration
            ended.billsec = billsec
            flows.spoolFailure(ended, error: error, logger: call.logger)
            call.outcome = "FAILED"
        }
    }
}
