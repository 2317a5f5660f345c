import StoreCore
import AccountCodes
import Foundation
import Store

extension Admin {
    public func codes(account: String, activeOnly: Bool = false, matching: String? = nil, limit: Int? = nil) throws(AdminError) -> [AccountCode] {
        try authorize(.readCodes, account: account)
        return try run { () throws(StoreError) in try store.codes(account: account, activeOnly: activeOnly, matching: matching, limit: limit) }
    }

    public func code(account: String, code: String) throws(AdminError) -> AccountCode {
        try authorize(.readCodes, account: account)
        guard let found = try run({ () throws(StoreError) in try store.code(account: account, code: code) }) else {
            throw AdminError(.notFound, "code not found")
        }
        return found
    }

    public func addCode(_ code: AccountCode) throws(AdminError) {
        try authorize(.writeCodes, account: code.accountID)
        let audit = try codeRecord("code.add", code.accountID, code.code, before: nil, after: code)
        try run { () throws(StoreError) in try store.addCode(code, audit: audit) }
    }

    public func updateCode(_ code: AccountCode) throws(AdminError) {
        try authorize(.writeCodes, account: code.accountID)
        let before = try run { () throws(StoreError) in try store.code(account: code.accountID, code: code.code) }
        let audit = try codeRecord("code.save", code.accountID, code.code, before: before, after: code)
        try run { () throws(StoreError) in try store.updateCode(code, audit: audit) }
    }

    public func removeCode(account: String, code: String) throws(AdminError) {
        try authorize(.writeCodes, account: account)
        let before = try run { () throws(StoreError) in try store.code(account: account, code: code) }
        let audit = try codeRecord("code.remove", account, code, before: before, after: nil)
        try run { () throws(StoreError) in try store.removeCode(account: account, code: code, audit: audit) }
    }

    public func importCodes(account: String, csv: String) throws(AdminError) -> AcctcodesStore.ImportSummary {
        try authorize(.writeCodes, account: account)
        let audit = record("code.import", account: account, target: "codes", before: String?.none, after: String?.none)
        return try run { () throws(StoreError) in try store.importCodes(account: account, csv: csv, audit: audit) }
    }

    public func exportCodes(account: String) throws(AdminError) -> String {
        try authorize(.readCodes, account: account)
        return try run { () throws(StoreError) in try store.exportCodes(account: account) }
    }

    /// A code change's audit record: where the account hides its codes, the code is not in it.
    func codeRecord(_ action: String, _ account: String, _ code: String, before: AccountCode?, after: AccountCode?) throws(AdminError) -> AuditRecord {
        let hidden = try run { () throws(StoreError) in try store.account(account)?.hideCodes ?? false }
        func shown(_ value: AccountCode?) -> AccountCode? {
            guard hidden, var value else { return value }
            value.code = Self.hiddenCode
            return value
        }
        return record(action, account: account, target: "code \(hidden ? Self.hiddenCode : code)", before: shown(before), after: shown(after))
    }

    /// What the audit log shows for a code of an account that hides them.
    public static let hiddenCode = "(hidden)"
}
