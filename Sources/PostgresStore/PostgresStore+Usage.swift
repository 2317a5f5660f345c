import AccountCodes
import Foundation
import Logging
import PostgresNIO
import StoreCore

/// The usage log: every operation applied the same way whether written, spooled or replayed.
extension PostgresStore: UsageStore {
    /// One transaction for the writer's batch (or a spool's drain), on the caller's queue. Every
    /// insert is idempotent by the table's unique key, so a batch whose commit was cut off (and
    /// then spooled) lands once when replayed.
    @discardableResult
    public func applyUsage(_ operations: [UsageOperation], replaying: Bool) throws(StoreError) -> [UsageOperation.Applied] {
        try blocking { () async throws(StoreError) -> [UsageOperation.Applied] in try await self.applyUsageHere(operations, replaying: replaying) }
    }

    /// The same from an async caller (`migrate`); the synchronous port is for the writer's and
    /// the spool's queues.
    @discardableResult
    public func applyUsageHere(_ operations: [UsageOperation], replaying: Bool) async throws(StoreError) -> [UsageOperation.Applied] {
        // The usual batch, calls' own entries only: one statement, atomic on its own, one round trip.
        let entries = operations.compactMap { if case .record(let entry) = $0 { entry } else { nil } }
        if entries.count == operations.count { return try await insertAll(entries) }
        return try await transaction("writing the usage log") { [logger] connection in
            try await Self.apply(operations, connection, logger: logger)
        }
    }

    static func apply(_ operations: [UsageOperation], _ connection: PostgresConnection, logger: Logger) async throws -> [UsageOperation.Applied] {
        var applied: [UsageOperation.Applied] = []
        for operation in operations { applied.append(try await apply(operation, connection, logger: logger)) }
        return applied
    }

    static func apply(_ operation: UsageOperation, _ connection: PostgresConnection, logger: Logger) async throws -> UsageOperation.Applied {
        switch operation {
        case .record(let entry):
            return try await insert(entry, connection, logger: logger)
        case .tag(let request, let code):
            let updated = try await connection.query("""
                UPDATE usage SET tag_code = \(code), tagged_ms = \(millis(request.startedAt))
                WHERE id = (SELECT max(id) FROM usage WHERE account_id = \(request.accountID) AND pbx = \(request.pbxName)
                            AND uniqueid = \(request.uniqueID) AND route IN ('outbound', 'tag'))
                RETURNING id
                """, logger: logger).decode(Int64.self).collect()
            if !updated.isEmpty { return .updatedCall }
            var own = request
            own.route = "tag"
            own.tagCode = code
            own.taggedAt = request.startedAt
            return try await insert(own, connection, logger: logger).missingCall
        case .hangup(let request), .farEnd(let request):
            // The row is locked for the read: the caller's leg and the outside leg may end on two
            // servers at once, and each takes the later end of both (`UsageOperation.ended`).
            let rows = try await connection.query("""
                SELECT \(unescaped: usageColumns) FROM usage
                WHERE id = (SELECT max(id) FROM usage WHERE account_id = \(request.accountID) AND pbx = \(request.pbxName)
                            AND uniqueid = \(request.uniqueID) AND route IN ('outbound', 'tag'))
                FOR UPDATE
                """, logger: logger).collect()
            if let row = rows.first, let ended = operation.ended(try decodeUsage(row)), let id = ended.id {
                try await connection.query("""
                    UPDATE usage SET ended_ms = \(ended.endedAt.map(millis)), disposition = \(ended.disposition),
                        duration = \(ended.duration), billsec = \(ended.billsec), transfer_to = \(ended.transferTo),
                        transferred_ms = \(ended.transferredAt.map(millis)) WHERE id = \(id)
                    """, logger: logger)
                return .updatedCall
            }
            var own = request
            own.route = "hangup"
            return try await insert(own, connection, logger: logger).missingCall
        }
    }

    /// Inserts the entry unless the same request is there (the table's unique key); a later
    /// attempt at it then takes over the earlier one's entry.
    static func insert(_ e: UsageEntry, _ connection: PostgresConnection, logger: Logger) async throws -> UsageOperation.Applied {
        let inserted = try await connection.query("""
            INSERT INTO usage (started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason,
                               code, tag_code, tagged_ms, uniqueid, linkedid, channel, ended_ms, disposition, duration, billsec, pbx, request)
            VALUES (\(millis(e.startedAt)), \(e.route), \(e.accountID), \(e.user), \(e.callerID), \(e.dialed), \(e.callClass), \(e.asked),
                    \(e.incorrectEntries), \(e.result), \(e.reason), \(e.code), \(e.tagCode), \(e.taggedAt.map(millis)), \(e.uniqueID),
                    \(e.linkedID), \(e.channel), \(e.endedAt.map(millis)), \(e.disposition), \(e.duration), \(e.billsec), \(e.pbxName),
                    \(requestKey(e)))
            ON CONFLICT (account_id, pbx, uniqueid, route, request) DO NOTHING
            RETURNING id
            """, logger: logger).decode(Int64.self).collect()
        if !inserted.isEmpty { return .inserted }
        return e.request == nil ? .alreadyThere : try await takeOutcome(of: e, connection, logger: logger)
    }

    /// A later attempt at a request takes over its entry (`UsageEntry.takeOutcome`); an earlier
    /// one, or the same one again, changes nothing.
    static func takeOutcome(of e: UsageEntry, _ connection: PostgresConnection, logger: Logger) async throws -> UsageOperation.Applied {
        let updated = try await connection.query("""
            UPDATE usage SET started_ms = \(millis(e.startedAt)), "user" = \(e.user), caller_id = \(e.callerID), dialed = \(e.dialed),
                class = \(e.callClass), asked = \(e.asked), incorrect_entries = \(e.incorrectEntries), result = \(e.result),
                reason = \(e.reason), code = \(e.code), linkedid = \(e.linkedID), channel = \(e.channel)
            WHERE account_id = \(e.accountID) AND pbx = \(e.pbxName) AND uniqueid = \(e.uniqueID) AND route = \(e.route)
                AND request = \(requestKey(e)) AND started_ms < \(millis(e.startedAt))
            RETURNING id
            """, logger: logger).decode(Int64.self).collect()
        return updated.isEmpty ? .alreadyThere : .replacedAttempt
    }

    /// The request's part of the table's unique key: the dialplan's id, or `@` and its start in
    /// milliseconds when it has none (an id never starts with `@`: `CallRequest` takes only
    /// letters, digits, `.`, `_` and `-`).
    static func requestKey(_ e: UsageEntry) -> String { e.request ?? "@\(millis(e.startedAt))" }

    /// Inserts entries in one statement; each is `.inserted`, or `.alreadyThere` when the same
    /// request was (a replay, or the same request twice in the batch). A request with an id that
    /// was there is then an attempt to merge, in a transaction of its own (rare: a retry or a replay).
    func insertAll(_ entries: [UsageEntry]) async throws(StoreError) -> [UsageOperation.Applied] {
        // One parameter, the batch as JSON (postgres-nio's arrays cannot hold NULLs).
        let rows = entries.map(InsertRow.init)
        let json: String
        do { json = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self) } catch { throw .database("\(error)") }
        let inserted = try await timed("writing the usage log") { [client, logger] in
            try await client.execute(HotStatements.InsertEntries(json: json), logger: logger).collect()
        }
        var fresh = Set(inserted.map { [$0.0, $0.1, $0.2, $0.3, $0.4].joined(separator: "\u{1}") })
        var applied = rows.map { row in fresh.remove(row.key) == nil ? UsageOperation.Applied.alreadyThere : .inserted }
        let attempts = applied.indices.filter { applied[$0] == .alreadyThere && entries[$0].request != nil }
        if attempts.isEmpty { return applied }
        let merged = try await transaction("writing the usage log") { [logger] connection in
            var merged: [UsageOperation.Applied] = []
            for index in attempts { merged.append(try await Self.takeOutcome(of: entries[index], connection, logger: logger)) }
            return merged
        }
        for (index, result) in zip(attempts, merged) { applied[index] = result }
        return applied
    }

    /// A usage row as `jsonb_to_recordset` reads it: the table's column names (a key left out,
    /// as a nil is, reads as NULL).
    private struct InsertRow: Encodable {
        var started_ms: Int64, route: String, account_id: String, user: String, caller_id: String, dialed: String, `class`: String
        var asked: String, incorrect_entries: Int, result: String, reason: String, code: String?, tag_code: String?
        var tagged_ms: Int64?, uniqueid: String, linkedid: String, channel: String, ended_ms: Int64?, disposition: String?
        var duration: Int?, billsec: Int?, pbx: String, request: String
        // Only an install being copied (`acctcodes migrate`) has corrections in its records.
        var corrected_code: String?, correction_reason: String?, corrected_by: String?, corrected_ms: Int64?
        var transfer_to: String?, transferred_ms: Int64?

        /// The table's unique key, as `InsertEntries` returns it.
        var key: String { [account_id, pbx, uniqueid, route, request].joined(separator: "\u{1}") }

        init(_ e: UsageEntry) {
            started_ms = PostgresStore.millis(e.startedAt); route = e.route; account_id = e.accountID; user = e.user
            caller_id = e.callerID; dialed = e.dialed; `class` = e.callClass; asked = e.asked; incorrect_entries = e.incorrectEntries
            result = e.result; reason = e.reason; code = e.code; tag_code = e.tagCode; tagged_ms = e.taggedAt.map(PostgresStore.millis)
            uniqueid = e.uniqueID; linkedid = e.linkedID; channel = e.channel; ended_ms = e.endedAt.map(PostgresStore.millis)
            disposition = e.disposition; duration = e.duration; billsec = e.billsec; pbx = e.pbxName
            request = PostgresStore.requestKey(e)
            corrected_code = e.correction?.code; correction_reason = e.correction?.reason; corrected_by = e.correction?.by
            corrected_ms = e.correction.map { PostgresStore.millis($0.at) }
            transfer_to = e.transferTo; transferred_ms = e.transferredAt.map(PostgresStore.millis)
        }
    }

    /// Dates are kept to the millisecond, as the SQLite store keeps them.
    static func millis(_ date: Date) -> Int64 { StorageDate.millis(date) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func date(_ millis: Int64?) -> Date? { millis.map { Date(timeIntervalSince1970: Double($0) / 1000) } }

    static let usageColumns = """
        id, started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason, code, uniqueid,
        linkedid, channel, tag_code, tagged_ms, ended_ms, disposition, duration, billsec, pbx, request, corrected_code,
        correction_reason, corrected_by, corrected_ms, transfer_to, transferred_ms
        """

    static func decodeUsage(_ row: PostgresRow) throws -> UsageEntry {
        let r = row.makeRandomAccess()
        var e = UsageEntry(startedAt: date(try r["started_ms"].decode(Int64.self)), route: try r["route"].decode(String.self),
                           accountID: try r["account_id"].decode(String.self), user: try r["user"].decode(String.self),
                           callerID: try r["caller_id"].decode(String.self), dialed: try r["dialed"].decode(String.self),
                           callClass: try r["class"].decode(String.self), asked: try r["asked"].decode(String.self),
                           incorrectEntries: try r["incorrect_entries"].decode(Int.self), result: try r["result"].decode(String.self),
                           reason: try r["reason"].decode(String.self), code: try r["code"].decode(String?.self),
                           uniqueID: try r["uniqueid"].decode(String.self), linkedID: try r["linkedid"].decode(String.self),
                           channel: try r["channel"].decode(String.self))
        e.id = try r["id"].decode(Int64.self)
        e.tagCode = try r["tag_code"].decode(String?.self)
        e.taggedAt = date(try r["tagged_ms"].decode(Int64?.self))
        e.endedAt = date(try r["ended_ms"].decode(Int64?.self))
        e.disposition = try r["disposition"].decode(String?.self)
        e.duration = try r["duration"].decode(Int?.self)
        e.billsec = try r["billsec"].decode(Int?.self)
        let pbx = try r["pbx"].decode(String.self), request = try r["request"].decode(String.self)
        e.pbx = pbx.isEmpty ? nil : pbx
        e.request = request.hasPrefix("@") ? nil : request
        e.transferTo = try r["transfer_to"].decode(String?.self)
        e.transferredAt = date(try r["transferred_ms"].decode(Int64?.self))
        if let code = try r["corrected_code"].decode(String?.self) {
            e.correction = UsageCorrection(code: code, reason: try r["correction_reason"].decode(String?.self) ?? "",
                                           by: try r["corrected_by"].decode(String?.self) ?? "",
                                           at: date(try r["corrected_ms"].decode(Int64?.self) ?? 0))
        }
        return e
    }

    /// The code an entry bills to (`UsageEntry.billingCode`): the correction's, the tag's, the code keyed.
    static let billingCodeSQL = "COALESCE(u.corrected_code, u.tag_code, u.code)"

    /// The filter as SQL over `usage u`, its values bound after `binds`' own.
    static func whereClause(_ filter: UsageFilter, _ binds: inout PostgresBindings) -> String {
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var clauses = ["u.account_id = \(bind(filter.accountID))"]
        if let from = filter.from { clauses.append("u.started_ms >= \(bind(millis(from)))") }
        if let to = filter.to { clauses.append("u.started_ms < \(bind(millis(to)))") }
        if let user = filter.user { clauses.append("u.\"user\" = \(bind(user))") }
        if let code = filter.code { clauses.append("\(billingCodeSQL) = \(bind(code))") }
        return "WHERE " + clauses.joined(separator: " AND ")
    }

    /// A row's billable seconds as totals count them: 0 to a week.
    static let boundedBillsec = "LEAST(GREATEST(COALESCE(u.billsec, 0), 0), \(CallEnd.longestCall))"

    func usageQuery(_ what: String, _ build: (inout PostgresBindings) -> String) async throws(StoreError) -> [PostgresRow] {
        var binds = PostgresBindings()
        let query = PostgresQuery(unsafeSQL: build(&binds), binds: binds)
        return try await timed(what, bound: .seconds(60)) { [client, logger] in try await client.query(query, logger: logger).collect() }
    }
}
