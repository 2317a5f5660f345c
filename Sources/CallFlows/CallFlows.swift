import AGI
import AccountCodes
import FastAGIServer
import Logging
import StoreCore

/// The account-code routes: `outbound` before a call, `tag` mid-call, `hangup` after it.
public final class CallFlows: Sendable {
    public let store: any CallPathStore
    /// Every usage-log operation goes through it: committed, or spooled when the database refuses.
    public let usageLog: UsageLog
    public let configuration: CallFlowConfiguration
    /// Where lockouts are announced.
    public let alerts: LockoutAlerts
    let metrics = CallMetrics()

    /// `spool` takes the operations the database refuses; `nil` leaves only the server's log for them.
    public init(store: any CallPathStore, configuration: CallFlowConfiguration = CallFlowConfiguration(), spool: UsageSpool? = nil) {
        self.store = store
        self.usageLog = UsageLog(store: store, spool: spool)
        self.configuration = configuration
        self.alerts = LockoutAlerts(command: configuration.alertCommand)
    }

    public var spool: UsageSpool? { usageLog.spool }

    /// The routes, by the name the dialplan's AGI URL gives (`agi://host/outbound?...`).
    public enum Route: String, Sendable, CaseIterable {
        case outbound, tag, hangup
    }

    public func install(into router: inout AGIRouter) {
        router.add(Route.outbound.rawValue) { call in try await OutboundFlow(flows: self, call: call).run() }
        router.add(Route.tag.rawValue) { call in try await TagFlow(flows: self, call: call).run() }
        router.add(Route.hangup.rawValue) { call in try await HangupFlow(flows: self, call: call).run() }
    }

    /// Records an operation durably before the answer goes back: in the usage log, or else in the
    /// spool (`isDurable` is false only when neither took it; the entry is then in the server's
    /// log). The call goes on on its own event loop.
    @discardableResult
    func record(_ operation: UsageOperation, call: AGICall) async -> UsageLog.Outcome {
        let outcome = await usageLog.record(operation, deliver: call.onEventLoop)
        Self.log(outcome, of: operation, logger: call.logger)
        metrics.record(operation)
        return outcome
    }

    /// What became of an operation, in the server's log when it did not simply commit. The
    /// logger is built only then: building a session's logger formats its metadata, a cost every
    /// call would pay for nothing.
    static func log(_ outcome: UsageLog.Outcome, of operation: UsageOperation, logger: @autoclosure () -> Logger) {
        switch outcome {
        case .committed:
            break
        case .spooled(let error?):
            logger().warning("usage log write failed: \(error); kept in the spool")
        case .spooled(nil):
            logger().debug("usage log: queued in the spool behind earlier operations")
        case .lost(let database, let spool):
            logger().error("usage log write failed: \(database.map { "\($0)" } ?? "-"); spool failed too: \(spool ?? "no spool")",
                         metadata: metadata(operation))
        }
    }

    /// Drains the spool until cancelled (see `UsageLog.runDrainer`), saying in the log what it moved.
    public func runSpoolDrainer(logger: Logger) async {
        await usageLog.runDrainer { event in
            switch event {
            case .drained(let drained, let path):
                logger.info("moved \(drained.applied) spooled usage operations into the usage log")
                if drained.setAside > 0 {
                    logger.error("\(drained.setAside) unreadable spool lines (cut off by a crash or a full disk) set aside in \(path).torn")
                }
            case .stillRefused(let error, let path):
                logger.warning("spooled usage operations stay in \(path) until the database takes them: \(error)")
            }
        }
    }

    /// A call's setup from the store, timed.
    func callSetup(_ query: CallQuery) throws(StoreError) -> CallSetup {
        let start = ContinuousClock.now
        defer { metrics.storeRead.record(duration: ContinuousClock.now - start) }
        return try store.callSetup(query)
    }

    /// A request refused before the rules: in the metrics, and in the server's log with who
    /// asked, from where, for what.
    func refused(_ reason: Reason, route: Route, request: CallRequest, call: AGICall) {
        metrics.session(route: route.rawValue, result: CallResult.denied.rawValue, reason: reason.rawValue)
        call.logger.warning("refused: \(reason)", metadata: Self.refusalMetadata(request, source: call.peerAddress))
    }

    /// A request refused before the rules, in the server's log: who asked, from where, for what.
    static func refusalMetadata(_ request: CallRequest, source: [UInt8]?) -> Logger.Metadata {
        [
            "request.account": "\(LogSafe(request.account))", "request.user": "\(LogSafe(request.user))",
            "request.dialed": "\(LogSafe(request.number))",
            "request.source": "\(source.map(NetworkBlock.text(of:)) ?? "unknown")",
        ]
    }

    /// The operation in the server's log, so a store outage loses nothing an admin cannot recover.
    /// Values are from peers: each is made safe for a log line. Never the code: an accepted or
    /// tagged code is on the call's CDR (`CHANNEL(accountcode)`), matched by uniqueid.
    static func metadata(_ operation: UsageOperation) -> Logger.Metadata {
        let e = operation.entry
        let (kind, hasCode) = switch operation {
        case .record: ("record", e.billingCode != nil)
        case .tag: ("tag", true)
        case .hangup: ("hangup", e.billingCode != nil)
        case .farEnd: ("far-end", e.billingCode != nil)
        }
        return [
            "op": "\(kind)", "entry.route": "\(LogSafe(e.route))", "entry.account": "\(LogSafe(e.accountID))",
            "entry.user": "\(LogSafe(e.user))", "entry.dialed": "\(LogSafe(e.dialed))", "entry.class": "\(e.callClass)",
            "entry.result": "\(e.result)", "entry.reason": "\(e.reason)",
            "entry.code": "\(hasCode ? "on the CDR" : "none")",
            "entry.incorrect": "\(e.incorrectEntries)", "entry.uniqueid": "\(LogSafe(e.uniqueID))",
            "entry.linkedid": "\(LogSafe(e.linkedID))", "entry.pbx": "\(LogSafe(e.pbxName))",
            "entry.request": "\(LogSafe(e.requestID))", "entry.billsec": "\(e.billsec.map { "\($0)" } ?? "")",
            "entry.disposition": "\(LogSafe(e.disposition ?? ""))",
        ]
    }
}
