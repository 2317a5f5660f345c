import AccountCodes
import Foundation

/// One change to the usage log. A call's request, its mid-call tag and its hangup are operations
/// on the call's entry (found by account, PBX and uniqueid); the writer, the spool and the spool's
/// replay all apply them through the store's `applyUsage`, in order, so an outage changes where an operation
/// waits, never what it does.
///
/// Replaying an operation twice changes nothing the second time (a crash during a drain replays
/// the spool again): a replayed request's entry is inserted only if the same request is not there
/// yet, and a tag or a hangup sets the same values again. A request the dialplan asked again on
/// another server (the same `request` id) is the same request too: the later attempt's outcome
/// replaces the earlier one's (`UsageEntry.takeOutcome`), in whichever order they arrive. Only a
/// replay or a request asked again (`UsageEntry.mayRepeat`) looks first, where a store has to
/// look: any other operation the writer commits has never been anywhere else (the look costs a
/// third of an insert).
public enum UsageOperation: Sendable, Equatable, Codable {
    /// A request's own entry: an outbound call, or a tag request that set no code.
    case record(entry: UsageEntry)
    /// A code tagged mid-call onto the call's entry. `request` is the tag request (its account,
    /// uniqueid and time); it becomes the call's entry if the call has none.
    case tag(request: UsageEntry, code: String)
    /// The end of the call: `request` carries `endedAt`, `disposition`, `duration` and `billsec`;
    /// it becomes an entry of its own if the call has none.
    case hangup(request: UsageEntry)
    /// The end of the outside leg (`UsageEntry.takeFarEnd`): `request` carries the caller's call
    /// (account, PBX, uniqueid), `endedAt`, `billsec` and `transferTo`; it becomes an entry of its
    /// own (route `hangup`) if the call has none.
    case farEnd(request: UsageEntry)

    /// What applying an operation did.
    public enum Applied: Sendable, Equatable {
        case inserted
        /// A tag or hangup completed the call's entry.
        case updatedCall
        /// A tag or hangup found no entry for the call: its request was recorded instead.
        case insertedForMissingCall
        /// Already applied (a replay after a crash), or an earlier attempt at a request whose later
        /// attempt is there: nothing changed.
        case alreadyThere
        /// A later attempt at a request (asked again after a session cut short) took over the
        /// earlier attempt's entry.
        case replacedAttempt
    }

    /// The entry the operation concerns, for logs and for a spool that cannot take it.
    public var entry: UsageEntry {
        switch self {
        case .record(let entry), .tag(let entry, _), .hangup(let entry), .farEnd(let entry): entry
        }
    }
}

extension UsageOperation.Applied {
    /// What inserting a tag's or hangup's own entry did, said of the operation: the call had none.
    public var missingCall: Self { self == .inserted ? .insertedForMissingCall : self }
}

extension UsageOperation {
    /// The call's entry with a leg's end taken (`hangup`: the caller's, `farEnd`: the outside
    /// leg's), its billable time first bounded by the rules (`CallEnd`) against the entry's start.
    /// Every store applies a hangup so; nil for an operation that is not an end.
    public func ended(_ entry: UsageEntry) -> UsageEntry? {
        let request: UsageEntry, far: Bool
        switch self {
        case .hangup(let r): (request, far) = (r, false)
        case .farEnd(let r): (request, far) = (r, true)
        case .record, .tag: return nil
        }
        var end = request
        end.endedAt = request.endedAt.map(StorageDate.rounded)
        end.billsec = CallEnd.boundedBillableSeconds(request.billsec, startedAt: entry.startedAt.timeIntervalSince1970,
                                                     endedAt: end.endedAt?.timeIntervalSince1970)
        var entry = entry
        if far { entry.takeFarEnd(end) } else { entry.takeCallerEnd(end) }
        return entry
    }
}
