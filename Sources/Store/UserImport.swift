import AccountCodes
import Foundation
internal import GRDB
import StoreCore

/// CSV import and export of users: `extension,name,group,enabled`.
extension AcctcodesStore {
    public static let userCSVHeader = ImportRules.userHeader

    /// Imports every row or none (`ImportRules.users` checks them against the store as it is in
    /// the transaction).
    public func importUsers(account accountID: String, csv text: String, audit: AuditRecord? = nil) throws(StoreError) -> ImportSummary {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw .importRejected(["\(error)"]) }
        return try write { db in
            _ = try Self.requireAccount(db, accountID)
            let users = try ImportRules.users(from: rows, account: accountID, groupExists: { try Self.fetchGroup(db, accountID, $0) != nil },
                                              stored: { try Self.fetchUser(db, accountID, $0) })
            for (user, exists) in users { try Self.saveUser(db, user, create: !exists) }
            let added = users.count { !$0.exists }
            let summary = ImportSummary(added: added, updated: users.count - added)
            try Self.insertAudit(db, audit, summary: summary)
            return summary
        }
    }

    /// All the account's users as CSV, header first (custom settings are not part of it).
    public func exportUsers(account: String) throws(StoreError) -> String {
        var out = CSV.line(Self.userCSVHeader)
        for user in try users(account: account) {
            out += CSV.line([user.extensionNumber, user.name, user.group ?? "", user.enabled ? "1" : "0"])
        }
        return out
    }
}
