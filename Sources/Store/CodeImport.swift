import AccountCodes
internal import GRDB
import StoreCore

/// CSV import and export of codes: `code,description,active,users,groups,level,valid_from,valid_until`.
/// A file with only the first three columns (an earlier version's export) imports too.
extension AcctcodesStore {
    public static let codeCSVHeader = ["code", "description", "active", "users", "groups", "level", "valid_from", "valid_until"]
    static let shortCodeCSVHeader = Array(codeCSVHeader.prefix(3))


    /// Imports every row or none: the first pass names every bad row with its line; only a clean
    /// file is written, in one transaction. Existing codes are updated (description, active).
    public func importCodes(account accountID: String, csv text: String, audit: AuditRecord? = nil) throws(StoreError) -> ImportSummary {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw .importRejected(["\(error)"]) }
        return try write { db in
            let account = try Self.requireAccount(db, accountID)
            guard let length = account.codeLength else { throw StoreError.rule(.codeLengthNotSet) }
            var problems: [String] = []
            var seen: [String: Int] = [:]
            var codes: [AccountCode] = []
            let columns: Int
            do {
                try Self.checkHeader(rows, Self.codeCSVHeader)
                columns = Self.codeCSVHeader.count
            } catch {
                try Self.checkHeader(rows, Self.shortCodeCSVHeader)
                columns = 3
            }
            codes.reserveCapacity(rows.count)
            for row in rows.dropFirst() {
                guard row.fields.count == columns else {
                    problems.append("line \(row.line): expected \(columns) fields, found \(row.fields.count)")
                    continue
                }
                let code = row.fields[0].trimmingCharacters(in: .whitespaces)
                guard SettingsRules.isWellFormed(code, length: length) else {
                    problems.append("line \(row.line): code \(code.debugDescription) must be exactly \(length) digits")
                    continue
                }
                if let first = seen[code] {
                    problems.append("line \(row.line): code \(code) repeats line \(first)")
                    continue
                }
                seen[code] = row.line
                guard let active = Self.parseActive(row.fields[2]) else {
                    problems.append("line \(row.line): active must be 1/0, true/false or yes/no, not \(row.fields[2].debugDescription)")
                    continue
                }
                var parsed = AccountCode(accountID: accountID, code: code, description: CSV.restored(row.fields[1]), active: active)
                if columns == 3, let stored = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM code WHERE account_id = ? AND code = ?"),
                                                                arguments: [accountID, code]).map(Self.decodeCode) {
                    // A file without the limit columns leaves a code's limits as they are.
                    (parsed.users, parsed.groups, parsed.level) = (stored.users, stored.groups, stored.level)
                    (parsed.validFrom, parsed.validUntil) = (stored.validFrom, stored.validUntil)
                }
                if columns > 3 {
                    parsed.users = NameList.split(row.fields[3])
                    parsed.groups = NameList.split(row.fields[4])
                    let level = row.fields[5].trimmingCharacters(in: .whitespaces)
                    if !level.isEmpty {
                        guard let value = CallPermission(rawValue: level) else {
                            problems.append("line \(row.line): level must be internal, local, national or international, not \(level.debugDescription)")
                            continue
                        }
                        parsed.level = value
                    }
                    let from = row.fields[6].trimmingCharacters(in: .whitespaces), until = row.fields[7].trimmingCharacters(in: .whitespaces)
                    parsed.validFrom = from.isEmpty ? nil : from
                    parsed.validUntil = until.isEmpty ? nil : until
                    do { try SettingsRules.check(limits: parsed) } catch {
                        problems.append("line \(row.line): \(error)")
                        continue
                    }
                }
                codes.append(parsed)
            }
            guard problems.isEmpty else { throw StoreError.importRejected(problems) }
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

    /// The first row must name exactly these columns (case and spaces aside).
    static func checkHeader(_ rows: [CSV.Row], _ expected: [String]) throws {
        guard let header = rows.first,
              header.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == expected else {
            throw StoreError.importRejected(["line 1: the header must be exactly: \(expected.joined(separator: ","))"])
        }
    }


    static func parseActive(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "y", "": true
        case "0", "false", "no", "n": false
        default: nil
        }
    }
}

import Foundation
