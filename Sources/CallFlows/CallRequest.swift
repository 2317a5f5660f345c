import AGI
import AccountCodes
import Foundation
import StoreCore

/// Who is calling what, from the AGI URL's query with the environment as fallback:
/// `agi://host/outbound?account=A&user=U&number=N&linkedid=L&pbx=P&request=R`.
struct CallRequest: Sendable {
    var account: String
    var user: String
    var callerID: String
    var number: String
    var uniqueID: String
    var linkedID: String
    var channel: String
    /// The PBX's name (`pbx=`): nil for a request that named none (one PBX).
    var pbx: String?
    /// The dialplan's id for this request, the same on every server it tries (`request=`).
    var request: String?
    /// Which server of the dialplan's list this is (`attempt=`, from 1).
    var attempt: Int?
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
        pbx = Self.pbx(p["pbx"])
        request = Self.requestID(p["request"])
        attempt = p["attempt"].flatMap { Int($0) }.flatMap { (1...100).contains($0) ? $0 : nil }
    }

    /// The longest PBX name kept: Asterisk's `systemname` is a host name or so; a longer one is cut.
    static let longestPBXName = 64

    /// A PBX name as kept: at most 64 characters, without control characters (a peer's text).
    static func pbx(_ text: String?) -> String? {
        guard let text else { return nil }
        let kept = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
            .prefix(longestPBXName)).trimmingCharacters(in: .whitespaces)
        return kept.isEmpty ? nil : kept
    }

    /// The caller's call a request from another channel names (`call=`, the outside leg's end):
    /// an Asterisk uniqueid, 1 to 150 printable ASCII characters; nil for anything else.
    static func callID(_ text: String?) -> String? {
        guard let text, (1...150).contains(text.utf8.count), text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return text
    }

    /// A party's number as kept (the outside leg's connected line): as a PBX name is kept.
    static func party(_ text: String?) -> String? { pbx(text) }

    /// A request id as the shipped dialplan makes it (`${STRFTIME(,,%s.%6q)}`): 1 to 40 letters,
    /// digits, `.`, `_` or `-`. Anything else is ignored: the request is then told apart by its
    /// start time, as one from an older dialplan.
    static func requestID(_ text: String?) -> String? {
        guard let text, (1...40).contains(text.utf8.count),
              text.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                  || $0 == UInt8(ascii: "-")) }) else { return nil }
        return text
    }

    /// What the store needs to set the call up, at this moment.
    var query: CallQuery {
        CallQuery(account: account, user: user, dialed: number, channel: channel, now: Date().timeIntervalSince1970)
    }

    /// The request's usage-log entry: typed here, stored as the words the database keeps.
    func entry(route: UsageRoute, callClass: String, asked: Asked, incorrectEntries: Int, result: String, reason: Reason,
               code: String?) -> UsageEntry {
        var entry = UsageEntry(startedAt: startedAt, route: route.rawValue, accountID: account, user: user, callerID: callerID,
                               dialed: number, callClass: callClass, asked: asked.rawValue, incorrectEntries: incorrectEntries,
                               result: result, reason: reason.rawValue, code: code, uniqueID: uniqueID, linkedID: linkedID,
                               channel: channel)
        entry.pbx = pbx
        entry.request = request
        entry.attempt = attempt
        return entry
    }
}
