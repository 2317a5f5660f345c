import AccountCodes
import GRDB

/// CSV import and export of codes: `code,description,active`.
extension AcctcodesStore {
    public static let codeCSVHeader = ["code", "description", "active"]

    public struct ImportSummary: Sendable, Equatable {
        public var added: Int
        public var updated: Int
    }

    /// Imports every row or none: the first pass names every bad row with its line; only a clean
    /// file is written, in one transaction. Existing codes are updated (description, active).
    public func importCodes(account accountID: String, csv text: String) throws(StoreError) -> ImportSummary {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw .importRejected(["\(error)"]) }
        return try write { db in
            let account = try Self.requireAccount(db, accountID)
            guard let length = account.codeLength else { throw StoreError.rule(.codeLengthNotSet) }
            var problems: [String] = []
            var seen: [String: Int] = [:]
            var codes: [AccountCode] = []
            try Self.checkHeader(rows, Self.codeCSVHeader)
            codes.reserveCapacity(rows.count)
            for row in rows.dropFirst() {
                guard row.fields.count == 3 else {
                    problems.append("line \(row.line): expected 3 fields, found \(row.fields.count)")
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
                codes.append(AccountCode(accountID: accountID, code: code, description: row.fields[1], active: active))
            }
            guard problems.isEmpty else { throw StoreError.importRejected(problems) }
            let before = try Self.codeCount(db, accountID)
            for code in codes { try Self.insertCode(db, code, replace: true) }
            let added = try Self.codeCount(db, accountID) - before
            return ImportSummary(added: added, updated: codes.count - added)
        }
    }

    /// All the account's codes as CSV, header first.
    public func exportCodes(account: String) throws(StoreError) -> String {
        var out = CSV.line(Self.codeCSVHeader)
        for code in try codes(account: account) {
            out += CSV.line([code.code, code.description, code.active ? "1" : "0"])
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
