import AccountCodes
import Foundation
internal import GRDB
import StoreCore

/// Applying a usage-log operation to SQLite, in the caller's transaction. SQLite has one writer at
/// a time, so a look then a write in one transaction is exact: no unique key is needed.
extension UsageOperation {
    /// Applies the operation inside the caller's transaction; `replaying` for an operation that
    /// may have been applied already (one from the spool).
    @discardableResult
    func apply(_ db: GRDB.Database, replaying: Bool) throws -> Applied {
        switch self {
        case .record(let entry):
            return try Self.insert(db, entry, replaying: replaying)
        case .tag(let request, let code):
            try db.cachedStatement(sql: "UPDATE usage SET tag_code = ?, tagged_at = ? WHERE id = (\(Self.callEntrySQL))")
                .execute(arguments: [code, StorageDate.string(request.startedAt), request.uniqueID, request.accountID, request.pbxName])
            if db.changesCount > 0 { return .updatedCall }
            var own = request
            own.route = "tag"
            own.tagCode = code
            own.taggedAt = request.startedAt
            return try Self.insert(db, own, replaying: replaying).missingCall
        case .hangup(let request), .farEnd(let request):
            // The call's entry with this leg's end taken by the rules (`UsageOperation.ended`): one
            // writer at a time, so the read and the write are exact.
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(AcctcodesStore.usageColumns) FROM usage u WHERE u.id = (\(Self.callEntrySQL))"),
                                       arguments: [request.uniqueID, request.accountID, request.pbxName])
            if let row, let ended = self.ended(AcctcodesStore.decodeUsage(row)) {
                try db.cachedStatement(sql: """
                    UPDATE usage SET ended_at = ?, disposition = ?, duration = ?, billsec = ?, transfer_to = ?, transferred_at = ? WHERE id = ?
                    """).execute(arguments: [ended.endedAt.map(StorageDate.string), ended.disposition, ended.duration, ended.billsec,
                                             ended.transferTo, ended.transferredAt.map(StorageDate.string), ended.id])
                return .updatedCall
            }
            var own = request
            own.route = "hangup"
            return try Self.insert(db, own, replaying: replaying).missingCall
        }
    }

    /// The call's own entry: the latest outbound or tag entry of its uniqueid, account and PBX.
    static let callEntrySQL = """
        SELECT MAX(id) FROM usage WHERE uniqueid = ? AND account_id = ? AND pbx = ? AND route IN ('outbound', 'tag')
        """

    /// Inserts the entry. A replay, or a request asked again (`mayRepeat`: another server may
    /// have logged an earlier attempt), looks for the same request first (`UsageEntry.isSameRequest`)
    /// by an index probe: there, it is an earlier or a later attempt, or itself. A first attempt
    /// does not look (the probe cost 8 to 10 us an entry beside 24 for the insert, in
    /// `acctcodes-bench usage-insert`): nothing can be there before it but a replay of itself,
    /// and a later attempt looks for it.
    static func insert(_ db: GRDB.Database, _ e: UsageEntry, replaying: Bool) throws -> Applied {
        if replaying || e.mayRepeat, let row = try Row.fetchOne(db.cachedStatement(sql: sameRequestSQL), arguments: [
            e.uniqueID, e.accountID, e.pbxName, e.route, e.requestID, StorageDate.string(e.startedAt),
        ]) {
            let started: Date = row["started_at"]
            guard StorageDate.millis(e.startedAt) > StorageDate.millis(started) else { return .alreadyThere }
            try db.cachedStatement(sql: takeOutcomeSQL).execute(arguments: [
                StorageDate.string(e.startedAt), e.user, e.callerID, e.dialed, e.callClass, e.asked, e.incorrectEntries, e.result,
                e.reason, e.code, e.linkedID, e.channel, row["id"] as Int64,
            ])
            return .replacedAttempt
        }
        // In `insertSQL`'s order. SQLite's own binding calls: the write every call makes (`RawBinding`).
        var row = RawBinding(try db.cachedStatement(sql: insertSQL), in: db)
        row.bind(StorageDate.string(e.startedAt)); row.bind(e.route); row.bind(e.accountID); row.bind(e.user); row.bind(e.callerID)
        row.bind(e.dialed); row.bind(e.callClass); row.bind(e.asked); row.bind(e.incorrectEntries); row.bind(e.result); row.bind(e.reason)
        row.bind(e.code); row.bind(e.tagCode); row.bind(e.taggedAt.map(StorageDate.string)); row.bind(e.uniqueID); row.bind(e.linkedID)
        row.bind(e.channel); row.bind(e.endedAt.map(StorageDate.string)); row.bind(e.disposition); row.bind(e.duration); row.bind(e.billsec)
        row.bind(e.pbxName); row.bind(e.requestID); row.bind(e.correction?.code); row.bind(e.correction?.reason); row.bind(e.correction?.by)
        row.bind(e.correction.map { StorageDate.string($0.at) }); row.bind(e.transferTo); row.bind(e.transferredAt.map(StorageDate.string))
        try row.execute()
        return .inserted
    }

    /// The same request: by its id when it has one, else by its start to the millisecond.
    static let sameRequestSQL = """
        SELECT id, started_at FROM usage WHERE uniqueid = ?1 AND account_id = ?2 AND pbx = ?3 AND route = ?4 AND request = ?5
            AND (?5 <> '' OR started_at = ?6)
        ORDER BY id DESC LIMIT 1
        """

    /// What a later attempt decides (the columns `UsageEntry.takeOutcome` takes).
    static let takeOutcomeSQL = """
        UPDATE usage SET started_at = ?, user = ?, caller_id = ?, dialed = ?, class = ?, asked = ?, incorrect_entries = ?, result = ?,
            reason = ?, code = ?, linkedid = ?, channel = ?
        WHERE id = ?
        """

    static let insertSQL = """
        INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, incorrect_entries,
            result, reason, code, tag_code, tagged_at, uniqueid, linkedid, channel, ended_at, disposition, duration, billsec, pbx, request,
            corrected_code, correction_reason, corrected_by, corrected_at, transfer_to, transferred_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27,
                ?28, ?29)
        """
}

extension AcctcodesStore {
    /// Applies operations in order in one transaction: the usage-log writer's batches, and
    /// (`replaying`) the spool's drains.
    @discardableResult
    public func applyUsage(_ operations: [UsageOperation], replaying: Bool = false) throws(StoreError) -> [UsageOperation.Applied] {
        // The usage log changes no settings; its commit reads the revision for the calls (`RevisionWatch`).
        let token = revisionWatch.token()
        let (applied, revision) = try write(changesSettings: false) { db in
            (try operations.map { try $0.apply(db, replaying: replaying) },
             try Int64.fetchOne(db.cachedStatement(sql: Self.settingsRevisionSQL)) ?? 0)
        }
        revisionWatch.publish(revision, token)
        return applied
    }
}
