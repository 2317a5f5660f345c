import AccountCodes
import Metrics
import StoreCore

/// The routes' metrics, in Prometheus' names. Made with the flows: `serve` sets up the metrics
/// system first. Counters with labels are looked up per use (the registry keeps one of each).
struct CallMetrics: Sendable {
    /// How long the store takes to read a call's setup (account, group, user, lock).
    let storeRead = Metrics.Timer(label: "acctcodes_store_read_seconds")
    let prompts = Counter(label: "acctcodes_prompts_total")
    let incorrectEntries = Counter(label: "acctcodes_incorrect_entries_total")
    let lockouts = Counter(label: "acctcodes_lockouts_total")

    /// A finished request: `acctcodes_sessions_total{route,result}`, and for a refusal
    /// `acctcodes_refusals_total{reason}`.
    func session(route: String, result: String, reason: String) {
        Counter(label: "acctcodes_sessions_total", dimensions: [("route", route), ("result", result)]).increment()
        if result == CallResult.denied.rawValue {
            Counter(label: "acctcodes_refusals_total", dimensions: [("reason", reason)]).increment()
        }
    }

    /// What a usage-log operation says of its request.
    func record(_ operation: UsageOperation) {
        let entry = operation.entry
        switch operation {
        case .record, .tag:
            session(route: entry.route, result: entry.result, reason: entry.reason)
            if entry.asked != "none" { prompts.increment() }
            if entry.incorrectEntries > 0 { incorrectEntries.increment(by: Int64(entry.incorrectEntries)) }
        case .hangup, .farEnd:
            session(route: "hangup", result: "RECORDED", reason: "")
        }
    }
}
