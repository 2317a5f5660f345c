import AccountCodes
import Foundation
internal import GRDB
import StoreCore

/// CSV import and export of users: `extension,name,group,enabled`.
extension AcctcodesStore {
    public static let userCSVHeader = ["extension", "name", "group", "enabled"]

    /// Imports every row or none, naming every bad row with its line. Existing users get the file's
    /// name, group and enabled flag and keep their custom settings. An empty `enabled` means off,
    /// as for any new user; an empty `group` means no group.
    public func importUsers(account accountID: String, csv text: String, audit: AuditRecord? = nil) throws(StoreError) -> ImportSummary {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw .importRejected(["\(error)"]) }
        return try write { db in
            _ = try Self.requireAccount(db, accountID)
            try Self.checkHeader(rows, Self.userCSVHeader)
            var problems: [String] = []
            var seen: [String: Int] = [:]
            var groups: [String: Bool] = [:]
            var users: [(user: User, exists: Bool)] = []
            for row in rows.dropFirst() {
                guard row.fields.count == 4 else {
                    problems.append("line \(row.line): expected 4 fields, found \(row.fields.count)")
                    continue
                }
                let ext = row.fields[0].trimmingCharacters(in: .whitespaces)
                guard !ext.isEmpty, ext.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter) }) else {
                    problems.append("line \(row.line): extension \(ext.debugDescription) must be letters and digits")
                    continue
                }
                if let first = seen[ext] {
                    problems.append("line \(row.line): extension \(ext) repeats line \(first)")
                    continue
                }
                seen[ext] = row.line
                let group = row.fields[2].trimmingCharacters(in: .whitespaces)
                if !group.isEmpty {
                    if groups[group] == nil { groups[group] = try Self.fetchGroup(db, accountID, group) != nil }
                    guard groups[group] == true else {
                        problems.append("line \(row.line): group \(group.debugDescription) does not exist (acctcodes group add \(group))")
                        continue
                    }
                }
                let enabledText = row.fields[3].trimmingCharacters(in: .whitespaces)
                guard let enabled = enabledText.isEmpty ? false : Self.parseActive(enabledText) else {
                    problems.append("line \(row.line): enabled must be 1/0, true/false or yes/no, not \(row.fields[3].debugDescription)")
                    continue
                }
                let stored = try Self.fetchUser(db, accountID, ext)
                var user = stored ?? User(accountID: accountID, extensionNumber: ext)
                user.name = CSV.restored(row.fields[1])
                user.group = group.isEmpty ? nil : group
                user.enabled = enabled
                users.append((user, stored != nil))
            }
            guard problems.isEmpty else { throw StoreError.importRejected(problems) }
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
