import AccountCodes
import Foundation

/// The CSV imports' rules, for every store: the header, each line's fields checked, every bad line
/// named. A store calls these inside its write transaction, passing what it has stored (a code's
/// limits, whether a group exists, a user's own settings), so the file is checked against the
/// store as it is when the import is written, and all of it is written or none.
public enum ImportRules {
    public static let codeHeader = ["code", "description", "active", "users", "groups", "level", "valid_from", "valid_until"]
    /// An earlier version's export: codes without their limits.
    public static let shortCodeHeader = Array(codeHeader.prefix(3))
    public static let userHeader = ["extension", "name", "group", "enabled"]

    /// The codes a file sets, checked against the account's code length. A file with the first
    /// three columns only leaves each stored code's limits as they are (`stored` gives them); no file
    /// changes a code's billing terms.
    public static func codes(from rows: [CSV.Row], account: String, codeLength: Int?,
                             stored: (String) throws -> AccountCode?) throws -> [AccountCode] {
        guard let length = codeLength else { throw StoreError.rule(.codeLengthNotSet) }
        let columns: Int
        do {
            try checkHeader(rows, codeHeader)
            columns = codeHeader.count
        } catch {
            try checkHeader(rows, shortCodeHeader)
            columns = 3
        }
        var problems: [String] = []
        var seen: [String: Int] = [:]
        var codes: [AccountCode] = []
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
            guard let active = flag(row.fields[2]) else {
                problems.append("line \(row.line): active must be 1/0, true/false or yes/no, not \(row.fields[2].debugDescription)")
                continue
            }
            var parsed = AccountCode(accountID: account, code: code, description: CSV.restored(row.fields[1]), active: active)
            // The file carries no billing terms: a code keeps its own (set by the CLI, API or console).
            let kept = try stored(code)
            parsed.billing = kept?.billing
            if columns == 3, let kept {
                (parsed.users, parsed.groups, parsed.level) = (kept.users, kept.groups, kept.level)
                (parsed.validFrom, parsed.validUntil) = (kept.validFrom, kept.validUntil)
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
        return codes
    }

    /// The users a file sets, each with whether it exists already. Existing users get the file's
    /// name, group and enabled flag and keep their custom settings (`stored` gives them); an empty
    /// `enabled` means off, as for any new user; an empty `group` means no group.
    public static func users(from rows: [CSV.Row], account: String, groupExists: (String) throws -> Bool,
                             stored: (String) throws -> User?) throws -> [(user: User, exists: Bool)] {
        try checkHeader(rows, userHeader)
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
                if groups[group] == nil { groups[group] = try groupExists(group) }
                guard groups[group] == true else {
                    problems.append("line \(row.line): group \(group.debugDescription) does not exist (acctcodes group add \(group))")
                    continue
                }
            }
            let enabledText = row.fields[3].trimmingCharacters(in: .whitespaces)
            guard let enabled = enabledText.isEmpty ? false : flag(enabledText) else {
                problems.append("line \(row.line): enabled must be 1/0, true/false or yes/no, not \(row.fields[3].debugDescription)")
                continue
            }
            let kept = try stored(ext)
            var user = kept ?? User(accountID: account, extensionNumber: ext)
            user.name = CSV.restored(row.fields[1])
            user.group = group.isEmpty ? nil : group
            user.enabled = enabled
            users.append((user, kept != nil))
        }
        guard problems.isEmpty else { throw StoreError.importRejected(problems) }
        return users
    }

    /// The first row must name exactly these columns (case and spaces aside).
    static func checkHeader(_ rows: [CSV.Row], _ expected: [String]) throws(StoreError) {
        guard let header = rows.first,
              header.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == expected else {
            throw StoreError.importRejected(["line 1: the header must be exactly: \(expected.joined(separator: ","))"])
        }
    }

    /// 1/0, true/false, yes/no, y/n; empty is true (a code listed is active).
    static func flag(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "y", "": true
        case "0", "false", "no", "n": false
        default: nil
        }
    }
}
