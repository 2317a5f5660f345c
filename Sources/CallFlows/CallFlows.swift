import FastAGIServer
import Logging
import Store

/// The account-code routes: `outbound` before a call, `tag` mid-call, `hangup` after it.
public struct CallFlows: Sendable {
    public let store: AcctcodesStore
    public let usageLog: UsageLogWriter
    public let configuration: CallFlowConfiguration

    public init(store: AcctcodesStore, configuration: CallFlowConfiguration = CallFlowConfiguration()) {
        self.store = store
        self.usageLog = UsageLogWriter(store: store)
        self.configuration = configuration
    }

    public func install(into router: inout AGIRouter) {
        router.add("outbound") { call in try await OutboundFlow(flows: self, call: call).run() }
        router.add("tag") { call in try await TagFlow(flows: self, call: call).run() }
        router.add("hangup") { call in try await HangupFlow(flows: self, call: call).run() }
    }

    /// Writes an entry before the answer goes back; returns false (and logs the entry whole) if it could not.
    func record(_ entry: UsageEntry, logger: Logger) async -> Bool {
        do {
            try await usageLog.append(entry)
            return true
        } catch {
            logger.error("usage log write failed: \(error)", metadata: Self.metadata(entry))
            return false
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
