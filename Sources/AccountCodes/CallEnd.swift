/// How a call ended and what it bills, from what the dialplan's hangup handler reports.
///
/// Billable time is the time connected to the dialed party: from the moment it answered (the
/// shipped dialplan stamps it from `Dial`'s `U()` routine on the dialed channel) to the end of the
/// connection, both read from the PBX's own clock. Not the caller's `CDR(billsec)` nor `Dial`'s
/// `ANSWEREDTIME`: both count from the caller's own answer, which comes before the prompt.
public struct CallEnd: Sendable, Equatable {
    /// `Dial`'s `DIALSTATUS` (`ANSWER`, `BUSY`, `NOANSWER`...), `NOTDIALED` when `Dial` never ran,
    /// `UNKNOWN` for anything Asterisk does not write.
    public var dialStatus: String
    /// Whole seconds, cut down as Asterisk's CDRs count them; 0 unless the dialed party answered.
    public var billableSeconds: Int
    /// The caller's whole time on the PBX (`CDR(duration)`), prompts included; nil if not a sane figure.
    public var duration: Int?

    public static let notDialed = "NOTDIALED"
    /// What `Dial` sets in `DIALSTATUS` (app_dial.c).
    public static let dialStatuses: Set<String> = [
        "ANSWER", "BUSY", "NOANSWER", "CANCEL", "CONGESTION", "CHANUNAVAIL", "DONTCALL", "TORTURE", "INVALIDARGS",
    ]
    /// Longer than any real call: a bigger figure is a forged or broken one and bills nothing.
    public static let longestCall = 7 * 24 * 3600

    public init(dialStatus: String, billableSeconds: Int, duration: Int?) {
        self.dialStatus = dialStatus
        self.billableSeconds = billableSeconds
        self.duration = duration
    }

    /// True when the figures came from a dialplan that does not stamp the dialed party's answer
    /// (an earlier acctcodes.conf): billable time is then `Dial`'s `ANSWEREDTIME`, prompt included.
    public var fromOldDialplan = false

    /// The billable seconds a hangup may record for a call the server saw start at `startedAt`
    /// and end at `endedAt` (its own clock, seconds since 1970): no more than the call's age, plus
    /// a second for rounding. The dialed party answers after the request, so a PBX clock gone wrong
    /// or a forged hangup cannot bill more time than the call had. Without an end time (a hangup
    /// spooled by an earlier version) the figure stands; without a figure there is none to bound.
    public static func boundedBillableSeconds(_ claimed: Int?, startedAt: Double, endedAt: Double?) -> Int? {
        guard let claimed, let endedAt else { return claimed }
        let age = Int((endedAt - startedAt).rounded(.towardZero)) + 1
        return min(claimed, max(0, age))
    }

    /// Reads the hangup handler's figures as sent (strings from a request), trusting none of them.
    /// `answeredAt` and `endedAt` are PBX timestamps in seconds (`1795403898.123`); `answeredTime`
    /// is `Dial`'s `ANSWEREDTIME`, used only when a dialed call has no `answeredAt` at all.
    public init(dialStatus: String?, answeredAt: String?, endedAt: String?, duration: String?, answeredTime: String? = nil) {
        let status = dialStatus ?? ""
        self.dialStatus = status.isEmpty ? Self.notDialed : Self.dialStatuses.contains(status) ? status : "UNKNOWN"
        self.duration = duration.flatMap { Int($0) }.flatMap { (0...Self.longestCall).contains($0) ? $0 : nil }
        billableSeconds = 0
        guard self.dialStatus == "ANSWER" else { return }
        if answeredAt?.isEmpty ?? true, let seconds = answeredTime.flatMap({ Int($0) }), (0...Self.longestCall).contains(seconds) {
            // Better a bill that counts the prompt than none at all; the server warns.
            billableSeconds = seconds
            fromOldDialplan = true
            return
        }
        guard let answered = answeredAt.flatMap(Self.timestamp), let ended = endedAt.flatMap(Self.timestamp), ended >= answered,
              ended - answered <= Double(Self.longestCall) else { return }
        billableSeconds = Int((ended - answered).rounded(.down))
    }

    /// A non-negative decimal number of seconds, digits and at most one point only.
    static func timestamp(_ text: String) -> Double? {
        guard !text.isEmpty, text.count <= 24, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1, let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
