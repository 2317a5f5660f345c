import AGI
import AccountCodes
import FastAGIServer
import Foundation
import StoreCore

/// `agi://host/hangup?...` from a hangup handler: adds the end of the call to its usage-log entry.
/// With `leg=far&call=UNIQUEID&connected=NUMBER` it is the outside leg's end (a transfer keeps
/// that leg up after the caller's leaves): billable time runs to the later end (`takeFarEnd`).
/// The shipped dialplan passes `dialstatus`, `answeredat`, `endedat` and `duration` in the query (no
/// round trip); if any is missing they are read from the channel in one `GET FULL VARIABLE`.
/// `ACCTCODES_LOGGED` (allowed on a dead channel) tells the dialplan the end is kept, committed or
/// spooled: without it, the handler asks the next server.
struct HangupFlow {
    let flows: CallFlows
    let call: AGICall

    static let fields = ["dialstatus", "answeredat", "endedat", "duration"]
    /// The same figures the shipped `[acctcodes-hangup]` sends; `endedat` is the end of the
    /// connection if the routine saw it, else now.
    static let channelExpression =
        "${DIALSTATUS}|${SHARED(ACCTCODES_ANSWERED_AT)}|${ACCTCODES_ENDED_AT}|${STRFTIME(,,%s.%3q)}|${CDR(duration)}|${ANSWEREDTIME}"

    func run() async throws {
        let environment = call.takeEnvironment()
        var request = CallRequest(environment, at: flows.configuration.clock())
        // The outside leg's end (`leg=far`, from the hangup handler the dialplan pushes on the
        // dialed channel when it answers): the channel is not the caller's, so the call is named.
        let far = environment.script.parameters["leg"] == "far"
        if far {
            guard let callID = CallRequest.callID(environment.script.parameters["call"]) else {
                call.logger.warning("outside leg's end without the call's uniqueid (call=): ignored")
                call.outcome = "FAILED"
                return
            }
            request.uniqueID = callID
        }
        if case .refused(let reason)? = try? flows.store.admission(account: request.account, source: call.peerAddress) {
            flows.refused(reason, route: .hangup, request: request, call: call)
            call.outcome = "REFUSED"
            return
        }
        var figures = environment.script.parameters
        if far { figures["dialstatus"] = "ANSWER" }
        if !far, Self.fields.contains(where: { figures[$0] == nil }),
           let read = try? await call.getFullVariable(Self.channelExpression) {
            let parts = read.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 6 {
                let fromChannel = ["dialstatus": parts[0], "answeredat": parts[1], "endedat": parts[2].isEmpty ? parts[3] : parts[2],
                                   "duration": parts[4], "answeredtime": parts[5]]
                figures.merge(fromChannel) { query, _ in query }
            }
        }
        let end = CallEnd(dialStatus: figures["dialstatus"], answeredAt: figures["answeredat"], endedAt: figures["endedat"],
                          duration: figures["duration"], answeredTime: figures["answeredtime"])
        if end.fromOldDialplan {
            call.logger.warning("hangup without the dialed party's answer time: billing Dial's ANSWEREDTIME, which counts the prompt; install the current acctcodes.conf")
        }
        var ended = request.entry(route: .hangup, callClass: "unknown", asked: .none, incorrectEntries: 0, result: "HANGUP",
                                  reason: .noOutboundEntry, code: nil)
        ended.endedAt = flows.configuration.clock()
        ended.billsec = end.billableSeconds
        let operation: UsageOperation
        if far {
            // The disposition and the caller's duration are the caller's leg's to report.
            ended.transferTo = CallRequest.party(figures["connected"])
            operation = .farEnd(request: ended)
        } else {
            ended.disposition = end.dialStatus
            ended.duration = end.duration
            operation = .hangup(request: ended)
        }
        let (outcome, kept) = switch await flows.record(operation, call: call) {
        case .committed(.insertedForMissingCall): ("NO_ENTRY", true)
        case .committed: ("RECORDED", true)
        case .spooled: ("SPOOLED", true)
        case .lost: ("FAILED", false)
        }
        call.outcome = outcome
        if kept { try await call.setVariable("ACCTCODES_LOGGED", outcome) }
    }
}
