import Foundation
internal import GRDB
import StoreCore

extension AcctcodesStore {
    static func insertAudit(_ db: GRDB.Database, _ record: AuditRecord) throws {
        try db.execute(sql: """
            INSERT INTO audit (at, actor, account_id, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.at, record.actor, record.accountID, record.action, record.target,
                             record.before, record.after])
    }

    /// Newest first.
    public func audit(_ filter: AuditFilter) throws(StoreError) -> [AuditRecord] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let account = filter.accountID { clauses.append("account_id = ?"); arguments += [account] }
            if let before = filter.beforeID { clauses.append("id < ?"); arguments += [before] }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments += [filter.limit]
            return try Row.fetchAll(db, sql: "SELECT * FROM audit \(whereSQL) ORDER BY id DESC LIMIT ?", arguments: arguments).map {
                var record = AuditRecord(at: $0["at"], actor: $0["actor"],
                                         accountID: $0["account_id"], action: $0["action"], target: $0["target"],
                                         before: $0["before"], after: $0["after"])
                record.id = $0["id"]
                return record
            }
        }
    }

    /// An import's audit record, its `after` the import's summary (the file itself is not kept).
    static func insertAudit(_ db: GRDB.Database, _ record: AuditRecord?, summary: ImportSummary) throws {
        guard var record else { return }
        record.after = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        try insertAudit(db, record)
    }
}
