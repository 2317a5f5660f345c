import AGI
import AccountCodes
import Foundation
import StoreCore

/// Who is calling what, from the AGI URL's query with the environment as fallback:
/// `agi://host/outbound?account=A&user=U&number=N&linkedid=L`.
struct CallRequest: Sendable {
    var account: String
    var user: String
    var callerID: String
    var number: String
    var uniqueID: String
    var linkedID: String
    var channel: String
    var startedAt: Date

    init(_ environment: AGIEnvironment, at startedAt: Date) {
        self.startedAt = startedAt
        let p = environment.script.parameters
        account = p["account"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        callerID = environment.callerID ?? ""
        user = p["user"].flatMap { $0.isEmpty ? nil : $0 } ?? callerID
        number = p["number"].flatMap { $0.isEmpty ? nil : $0 } ?? environment.extensionValue
        uniqueID = environment.uniqueID
        linkedID = p["linkedid"].flatMap { $0.isEmpty ? nil : $0 } ?? environment.uniqueID
        channel = environment.channel
    }

    /// What the store needs to set the call up, at this moment.
    var query: CallQuery {
        CallQuery(account: account, user: user, dialed: number, channel: channel, now: Date().timeIntervalSince1970)
    }

    /// The request's usage-log entry: typed here, stored as the words the database keeps.
    func entry(route: UsageRoute, callClass: String, asked: Asked, incorrectEntries: Int, result: String, reason: Reason,
               code: String?) -> UsageEntry {
        UsageEntry(startedAt: startedAt, route: route.rawValue, accountID: account, user: user, callerID: callerID, dialed: number,
                   callClass: callClass, asked: asked.rawValue, incorrectEntries: incorrectEntries, result: result,
                   reason: reason.rawValue, code: code, uniqueID: uniqueID, linkedID: linkedID, channel: channel)
    }
}
