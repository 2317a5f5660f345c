import AccountCodes
import Foundation
internal import GRDB
import StoreCore

/// Applying a usage-log operation to SQLite, in the caller's transaction.
extension UsageOperation {
    /// Applies the operation inside the caller's transaction; `replaying` for an operation that
    /// may have been applied already (one from the spool).
    @discardableResult
    func apply(_ db: GRDB.Database, replaying: Bool) throws -> Applied {
        switch self {
        case .record(let entry):
            return try Self.insert(db, entry, once: replaying) ? .inserted : .alreadyThere
        case .tag(let request, let code):
            try db.cachedStatement(sql: """
                UPDATE usage SET tag_code = ?, tagged_at = ?
                WHERE id = (SELECT MAX(id) FROM usage WHERE uniqueid = ? AND account_id = ? AND route IN ('outbound', 'tag'))
                """).execute(arguments: [code, StorageDate.string(request.startedAt), request.uniqueID, request.accountID])
            if db.changesCount > 0 { return .updatedCall }
            var own = request
            own.route = "tag"
            own.tagCode = code
            own.taggedAt = request.startedAt
            return try Self.insert(db, own, once: replaying) ? .insertedForMissingCall : .alreadyThere
        case .hangup(let request):
            // The call's entry, then its billable time bounded by the rules (`CallEnd`) against the
            // time the entry was started. (The caller's `duration` starts before the request: not
            // bounded so.)
            let call = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, started_at FROM usage
                WHERE id = (SELECT MAX(id) FROM usage WHERE uniqueid = ? AND account_id = ? AND route IN ('outbound', 'tag'))
                """), arguments: [request.uniqueID, request.accountID])
            if let call {
                let startedAt: Date = call["started_at"]
                let billsec = CallEnd.boundedBillableSeconds(request.billsec, startedAt: startedAt.timeIntervalSince1970,
                                                             endedAt: request.endedAt?.timeIntervalSince1970)
                try db.cachedStatement(sql: "UPDATE usage SET ended_at = ?, disposition = ?, duration = ?, billsec = ? WHERE id = ?")
                    .execute(arguments: [request.endedAt.map(StorageDate.string), request.disposition, request.duration, billsec,
                                         call["id"] as Int64])
                return .updatedCall
            }
            var own = request
            own.route = "hangup"
            return try Self.insert(db, own, once: replaying) ? .insertedForMissingCall : .alreadyThere
        }
    }

    /// Inserts the entry; with `once`, only if the same request (account, call, route, time to
    /// the millisecond) is not there yet, checked inside the insert by an index probe.
    static func insert(_ db: GRDB.Database, _ e: UsageEntry, once: Bool) throws -> Bool {
        try db.cachedStatement(sql: once ? insertOnceSQL : insertSQL).execute(arguments: [
            StorageDate.string(e.startedAt), e.route, e.accountID, e.user, e.callerID, e.dialed, e.callClass, e.asked,
            e.incorrectEntries, e.result, e.reason, e.code, e.tagCode, e.taggedAt.map(StorageDate.string), e.uniqueID, e.linkedID,
            e.channel, e.endedAt.map(StorageDate.string), e.disposition, e.duration, e.billsec,
        ])
        return db.changesCount > 0
    }

    static let insertSQL = """
        INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, incorrect_entries,
            result, reason, code, tag_code, tagged_at, uniqueid, linkedid, channel, ended_at, disposition, duration, billsec)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
        """
    static let insertOnceSQL = """
        INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, incorrect_entries,
            result, reason, code, tag_code, tagged_at, uniqueid, linkedid, channel, ended_at, disposition, duration, billsec)
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21
        WHERE NOT EXISTS (SELECT 1 FROM usage WHERE uniqueid = ?15 AND account_id = ?3 AND route = ?2 AND started_at = ?1)
        """
}

extension AcctcodesStore {
    /// Applies operations in order in one transaction: the usage-log writer's batches, and
    /// (`replaying`) the spool's drains.
    @discardableResult
    public func applyUsage(_ operations: [UsageOperation], replaying: Bool = false) throws(StoreError) -> [UsageOperation.Applied] {
        try write { db in try operations.map { try $0.apply(db, replaying: replaying) } }
    }
}
