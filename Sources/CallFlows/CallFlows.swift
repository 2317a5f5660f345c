import FastAGIServer
import Logging
import Store

/// The account-code routes: `outbound` before a call, `tag` mid-call, `hangup` after it.
public struct CallFlows: Sendable {
    public let store: AcctcodesStore
    public let usageLog: UsageLogWriter
    public let configuration: CallFlowConfiguration
    /// Takes the entries the database refuses; `nil` leaves only the server's log for them.
    public let spool: UsageSpool?

    public init(store: AcctcodesStore, configuration: CallFlowConfiguration = CallFlowConfiguration(), spool: UsageSpool? = nil) {
        self.store = store
        self.usageLog = UsageLogWriter(store: store)
        self.configuration = configuration
        self.spool = spool
    }

    public func install(into router: inout AGIRouter) {
        router.add("outbound") { call in try await OutboundFlow(flows: self, call: call).run() }
        router.add("tag") { call in try await TagFlow(flows: self, call: call).run() }
        router.add("hangup") { call in try await HangupFlow(flows: self, call: call).run() }
    }

    /// Writes an entry durably before the answer goes back: to the usage log, or else to the spool.
    /// Returns false only when neither took it (the entry is then in the server's log, whole).
    /// The logger is built only if something is logged (see `SessionLogger`). The call goes on
    /// on its own event loop.
    func record(_ entry: UsageEntry, call: AGICall) async -> Bool {
        let logger = { call.logger }
        do {
            try await usageLog.append(entry, deliver: call.onEventLoop)
        } catch {
            return spoolFailure(entry, error: error, logger: logger())
        }
        await replaySpool(logger: logger())
        return true
    }

    /// After the database refused an entry: the spool keeps it; failing that, the server's log does.
    @discardableResult
    func spoolFailure(_ entry: UsageEntry, error: any Error, logger: Logger) -> Bool {
        guard let spool else {
            logger.error("usage log write failed: \(error)", metadata: Self.metadata(entry))
            return false
        }
        do {
            try spool.append(entry)
            logger.warning("usage log write failed: \(error); entry kept in \(spool.path)")
            return true
        } catch let spoolError {
            logger.error("usage log write failed: \(error); spool failed too: \(spoolError)", metadata: Self.metadata(entry))
            return false
        }
    }

    /// Once the database takes writes again, spooled entries move into the usage log.
    public func replaySpool(logger: @autoclosure () -> Logger) async {
        guard let spool, spool.hasEntries else { return }
        do {
            let moved = try await spool.replay(into: store)
            if moved > 0 { logger().info("moved \(moved) spooled entries into the usage log") }
        } catch {
            logger().warning("spooled entries stay in \(spool.path): \(error)")
        }
    }

    /// The entry in the server's log, so a store outage loses nothing an admin cannot recover.
    static func metadata(_ e: UsageEntry) -> Logger.Metadata {
        [
            "entry.route": "\(e.route)", "entry.account": "\(e.accountID)", "entry.user": "\(e.user)",
            "entry.dialed": "\(e.dialed)", "entry.class": "\(e.callClass)", "entry.result": "\(e.result)",
            "entry.reason": "\(e.reason)", "entry.code": "\(e.billingCode ?? "")", "entry.incorrect": "\(e.incorrectEntries)",
            "entry.uniqueid": "\(e.uniqueID)", "entry.linkedid": "\(e.linkedID)",
        ]
    }
}
