import AccountCodes
internal import GRDB
import StoreCore

/// CSV import and export of codes on SQLite (the rules of the file: `ImportRules`).
extension AcctcodesStore {
    public static let codeCSVHeader = ImportRules.codeHeader

    /// Imports every row or none (`ImportRules.codes` checks them against the store as it is in
    /// the transaction); existing codes are updated.
    public func importCodes(account accountID: String, csv text: String, audit: AuditRecord? = nil) throws(StoreError) -> ImportSummary {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw .importRejected(["\(error)"]) }
        return try write { db in
            let account = try Self.requireAccount(db, accountID)
            let codes = try ImportRules.codes(from: rows, account: accountID, codeLength: account.codeLength) { code in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM code WHERE account_id = ? AND code = ?"),
                                 arguments: [accountID, code]).map(Self.decodeCode)
            }
            let before = try Self.codeCount(db, accountID)
            for code in codes { try Self.insertCode(db, code, replace: true) }
            let added = try Self.codeCount(db, accountID) - before
            let summary = ImportSummary(added: added, updated: codes.count - added)
            try Self.insertAudit(db, audit, summary: summary)
            return summary
        }
    }

    /// All the account's codes as CSV, header first.
    public func exportCodes(account: String) throws(StoreError) -> String {
        var out = CSV.line(Self.codeCSVHeader)
        for code in try codes(account: account) {
            out += CSV.line([code.code, code.description, code.active ? "1" : "0", code.users.joined(separator: " "),
                             code.groups.joined(separator: " "), code.level?.rawValue ?? "", code.validFrom ?? "", code.validUntil ?? ""])
        }
        return out
    }
}

import Foundation
