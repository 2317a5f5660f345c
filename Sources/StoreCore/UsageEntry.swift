import Foundation

/// One request in the usage log: what the law firm bills from.
public struct UsageEntry: Sendable, Equatable, Codable {
    public var id: Int64?
    public var startedAt: Date
    /// `outbound`; `tag` (a mid-call code on a call with no outbound entry); `tag-attempt` (a mid-call
    /// request that set no code); `hangup` (a hangup with no entry to complete).
    public var route: String
    public var accountID: String
    public var user: String
    public var callerID: String
    public var dialed: String
    public var callClass: String
    /// What was asked of the caller: `none`, `required`, `optional`, `authorize` (above permission), `tag`.
    public var asked: String
    public var incorrectEntries: Int
    public var result: String
    public var reason: String
    /// The code entered before the call, when accepted. A rejected entry is never stored.
    public var code: String?
    /// A code tagged mid-call; it is the one billed when present.
    public var tagCode: String?
    public var taggedAt: Date?
    public var uniqueID: String
    public var linkedID: String
    public var channel: String
    /// The PBX the call is on (the dialplan's `pbx=`: `ACCTCODES_PBX`, `SYSTEMNAME` or `ENTITYID`); nil
    /// for a request that named none. A call is its account, PBX and uniqueid: two Asterisk boxes
    /// hand out the same uniqueids.
    public var pbx: String?
    /// The dialplan's id for this request, the same on every server it asks (`request=`): a
    /// request retried on another server after a session cut short is one entry. nil when the
    /// request named none; it is then told apart by its start time.
    public var request: String?
    /// Which attempt at the request this is (`attempt=`: 1 on the first server asked). Not
    /// stored: it only spares a first attempt the look for an earlier one (`mayRepeat`).
    public var attempt: Int?
    public var endedAt: Date?
    public var disposition: String?
    public var duration: Int?
    public var billsec: Int?
    /// An admin's correction of the code after the call: billed instead of the code and the tag,
    /// which stay as they were keyed (issue 24).
    public var correction: UsageCorrection?
    /// Who the outside party was left talking to when the caller's leg ended before the outside
    /// leg (a transfer): the outside leg's connected number at its end. nil when there was none.
    public var transferTo: String?
    /// When the caller's leg ended while the outside leg went on (the transfer's moment).
    public var transferredAt: Date?

    public init(startedAt: Date = Date(), route: String, accountID: String, user: String, callerID: String, dialed: String,
                callClass: String, asked: String, incorrectEntries: Int, result: String, reason: String, code: String?,
                uniqueID: String, linkedID: String, channel: String) {
        self.startedAt = startedAt
        self.route = route
        self.accountID = accountID
        self.user = user
        self.callerID = callerID
        self.dialed = dialed
        self.callClass = callClass
        self.asked = asked
        self.incorrectEntries = incorrectEntries
        self.result = result
        self.reason = reason
        self.code = code
        self.uniqueID = uniqueID
        self.linkedID = linkedID
        self.channel = channel
    }

    /// The code the call bills to: the correction's, else the tag's, else the one keyed before the call.
    public var billingCode: String? { correction?.code ?? tagCode ?? code }

    /// The PBX as stored: empty when the request named none.
    public var pbxName: String { pbx ?? "" }

    /// The request as stored: empty when it named none.
    public var requestID: String { request ?? "" }

    /// Whether another attempt at this request may be in the log already: it has an id and is
    /// not known to be the first attempt. A store that finds the same request by a look (SQLite,
    /// memory) looks only then, or when replaying.
    public var mayRepeat: Bool { request != nil && attempt != 1 }

    /// Whether `other` is the same request: a replay of it, or (with a request id) another
    /// attempt at it on another server. Every store keys the usage log so.
    public func isSameRequest(as other: UsageEntry) -> Bool {
        accountID == other.accountID && pbxName == other.pbxName && uniqueID == other.uniqueID && route == other.route
            && (requestID.isEmpty ? other.requestID.isEmpty && StorageDate.millis(startedAt) == StorageDate.millis(other.startedAt)
                                  : requestID == other.requestID)
    }

    /// Whether `other` is the call's own entry, that a tag or a hangup for this request completes.
    public func isSameCall(as other: UsageEntry) -> Bool {
        accountID == other.accountID && pbxName == other.pbxName && uniqueID == other.uniqueID
    }

    /// A later attempt at the same request takes over its entry: the later one's outcome is the
    /// call's (the earlier one's session was cut short before the dialplan heard it). The tag and
    /// the end of the call, which only follow the final outcome, stay. Taking an attempt no later
    /// than the entry's own changes nothing, so attempts may arrive in any order, and twice.
    /// Returns whether it changed the entry.
    @discardableResult
    public mutating func takeOutcome(of attempt: UsageEntry) -> Bool {
        guard StorageDate.millis(attempt.startedAt) > StorageDate.millis(startedAt) else { return false }
        // The same columns the SQLite and PostgreSQL stores' merges update.
        startedAt = attempt.startedAt; user = attempt.user; callerID = attempt.callerID; dialed = attempt.dialed
        callClass = attempt.callClass; asked = attempt.asked; incorrectEntries = attempt.incorrectEntries; result = attempt.result
        reason = attempt.reason; code = attempt.code; linkedID = attempt.linkedID; channel = attempt.channel
        return true
    }
}

// MARK: The ends of a call's two legs

extension UsageEntry {
    /// The caller's leg ended (its hangup handler): the call's disposition and the caller's whole
    /// duration are the caller's; billable time and the end are the later of this end and the
    /// outside leg's, if that leg ended first or was reported first (`takeFarEnd`). `end` carries
    /// `endedAt`, `disposition`, `duration` and `billsec` (bounded by the store). Taking the same
    /// end twice changes nothing, and the two legs' ends may come in either order.
    public mutating func takeCallerEnd(_ end: UsageEntry) {
        disposition = end.disposition
        duration = end.duration
        billsec = Self.later(billsec, end.billsec)
        guard let callerEnded = end.endedAt else { return }
        if let known = endedAt, StorageDate.millis(known) > StorageDate.millis(callerEnded) {
            // The outside leg went on after the caller left: a transfer, if it was to someone.
            if transferTo != nil, transferredAt == nil, known.timeIntervalSince(callerEnded) >= Self.transferSlack {
                transferredAt = callerEnded
            }
        } else {
            endedAt = callerEnded
        }
    }

    /// The outside leg ended (a hangup handler on the dialed channel, pushed when it answered): it
    /// outlives the caller's leg when the caller transfers it, so billable time runs to the later
    /// of the two ends. `end` carries `endedAt`, `billsec` (from the answer, bounded by the store)
    /// and `transferTo`: the outside leg's connected party at its end. When that is someone other
    /// than the caller, and the caller's leg had ended a moment before, the entry records the
    /// transfer (to whom, when).
    public mutating func takeFarEnd(_ end: UsageEntry) {
        billsec = Self.later(billsec, end.billsec)
        guard let farEnded = end.endedAt else { return }
        let callerEnded = endedAt
        if callerEnded.map({ StorageDate.millis(farEnded) > StorageDate.millis($0) }) ?? true { endedAt = farEnded }
        guard let party = end.transferTo, !party.isEmpty, party != user, party != callerID else { return }
        transferTo = party
        if let callerEnded, farEnded.timeIntervalSince(callerEnded) >= Self.transferSlack { transferredAt = callerEnded }
    }

    /// How much longer than the caller's leg the outside leg must last to be a transfer: both legs
    /// of an ordinary call end within a moment of each other.
    public static let transferSlack: TimeInterval = 1.5

    static func later(_ a: Int?, _ b: Int?) -> Int? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }
}

/// A finished call's code set or changed by an admin, with why, who and when.
public struct UsageCorrection: Sendable, Equatable, Codable {
    public var code: String
    public var reason: String
    /// The principal's name, as the audit log writes it (`cli:USER`, `token:ID (NAME)`).
    public var by: String
    public var at: Date

    public init(code: String, reason: String, by: String, at: Date) {
        self.code = code
        self.reason = reason
        self.by = by
        self.at = at
    }

    /// A reason as kept: 1 to 200 characters (Unicode scalars, as JSON Schema counts them), each
    /// control character (a line break, an escape) made a space, so it is one line in every log
    /// and export. nil for an empty or longer text.
    public static func reason(_ text: String) -> String? {
        let scalars = text.unicodeScalars
        guard (1...200).contains(scalars.count) else { return nil }
        var kept = String.UnicodeScalarView()
        for scalar in scalars { kept.append(scalar.properties.generalCategory == .control ? " " : scalar) }
        return String(kept)
    }
}

/// Which entries to list, export or total.
public struct UsageFilter: Sendable {
    public var accountID: String
    public var from: Date?
    /// Exclusive upper bound.
    public var to: Date?
    public var user: String?
    public var code: String?

    public init(accountID: String, from: Date? = nil, to: Date? = nil, user: String? = nil, code: String? = nil) {
        self.accountID = accountID
        self.from = from
        self.to = to
        self.user = user
        self.code = code
    }
}

/// Calls and time per code.
public struct CodeTotal: Sendable, Equatable, Codable {
    public var code: String
    public var description: String
    public var calls: Int
    public var billsec: Int
    /// Each call's billable seconds rounded up to a whole minute, summed.
    public var billableMinutes: Int
    /// Whether the code is in the account's code list. A code keyed while validation was off, or
    /// removed since, is billed all the same: this says which totals are for codes nobody created.
    public var listed: Bool

    public init(code: String, description: String, calls: Int, billsec: Int, billableMinutes: Int, listed: Bool = true) {
        self.listed = listed
        self.code = code
        self.description = description
        self.calls = calls
        self.billsec = billsec
        self.billableMinutes = billableMinutes
    }
}

/// One UTC day of the usage log.
public struct DayTotal: Sendable, Equatable, Codable {
    /// `YYYY-MM-DD`.
    public var day: String
    public var calls: Int
    public var billableMinutes: Int

    public init(day: String, calls: Int, billableMinutes: Int) {
        self.day = day
        self.calls = calls
        self.billableMinutes = billableMinutes
    }
}

extension UsageFilter {
    /// A `YYYY-MM-DD` day's first instant in UTC, as the filters take it; nil if it is not a day.
    public static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard text.utf8.count == 10, let date = formatter.date(from: text) else { return nil }
        return date
    }

    /// Which end of a period is not a day.
    public struct NotADay: Error, Equatable {
        /// `from` or `to`.
        public var end: String
        public init(end: String) { self.end = end }
    }

    /// Whole UTC days from `fromDay` to `toDay`, both included (`to` covers its whole day): the one
    /// reading of a period the CLI, the API and the console share.
    public init(accountID: String, fromDay: String?, toDay: String?, user: String? = nil, code: String? = nil) throws(NotADay) {
        var from: Date?
        var to: Date?
        if let fromDay {
            guard let day = Self.day(fromDay) else { throw NotADay(end: "from") }
            from = day
        }
        if let toDay {
            guard let day = Self.day(toDay) else { throw NotADay(end: "to") }
            to = day.addingTimeInterval(86_400)
        }
        self.init(accountID: accountID, from: from, to: to, user: user, code: code)
    }
}

