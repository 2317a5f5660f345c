import AccountCodes
import Foundation
import Store
import StoreCore

extension Admin {
    public func codes(account: String, activeOnly: Bool = false, matching: String? = nil, limit: Int? = nil) async throws(AdminError) -> [AccountCode] {
        try authorize(.readCodes, account: account)
        return try await run { () async throws(StoreError) in try await store.codes(account: account, activeOnly: activeOnly, matching: matching, limit: limit) }
    }

    public func code(account: String, code: String) async throws(AdminError) -> AccountCode {
        try authorize(.readCodes, account: account)
        guard let found = try await run({ () async throws(StoreError) in try await store.code(account: account, code: code) }) else {
            throw AdminError(.notFound, "code not found")
        }
        return found
    }

    public func addCode(_ code: AccountCode) async throws(AdminError) {
        try authorize(.writeCodes, account: code.accountID)
        let code = code.withBillingNormalized
        let audit = try await codeRecord("code.add", code.accountID, code.code, before: nil, after: code)
        try await run { () async throws(StoreError) in try await store.addCode(code, audit: audit) }
    }

    public func updateCode(_ code: AccountCode) async throws(AdminError) {
        try authorize(.writeCodes, account: code.accountID)
        let code = code.withBillingNormalized
        let before = try await run { () async throws(StoreError) in try await store.code(account: code.accountID, code: code.code) }
        let audit = try await codeRecord("code.save", code.accountID, code.code, before: before, after: code)
        try await run { () async throws(StoreError) in try await store.updateCode(code, audit: audit) }
    }

    public func removeCode(account: String, code: String) async throws(AdminError) {
        try authorize(.writeCodes, account: account)
        let before = try await run { () async throws(StoreError) in try await store.code(account: account, code: code) }
        let audit = try await codeRecord("code.remove", account, code, before: before, after: nil)
        try await run { () async throws(StoreError) in try await store.removeCode(account: account, code: code, audit: audit) }
    }

    public func importCodes(account: String, csv: String) async throws(AdminError) -> ImportSummary {
        try authorize(.writeCodes, account: account)
        let audit = record("code.import", account: account, target: "codes", before: String?.none, after: String?.none)
        return try await run { () async throws(StoreError) in try await store.importCodes(account: account, csv: csv, audit: audit) }
    }

    public func exportCodes(account: String) async throws(AdminError) -> String {
        try authorize(.readCodes, account: account)
        return try await run { () async throws(StoreError) in try await store.exportCodes(account: account) }
    }

    /// A code change's audit record: where the account hides its codes, the code is not in it.
    func codeRecord(_ action: String, _ account: String, _ code: String, before: AccountCode?, after: AccountCode?) async throws(AdminError) -> AuditRecord {
        let hidden = try await run { () async throws(StoreError) in try await store.account(account)?.hideCodes ?? false }
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

extension AccountCode {
    /// No billing terms of its own is nil in every store, whether a patch emptied them or not.
    var withBillingNormalized: AccountCode {
        var code = self
        if code.billing?.isEmpty == true { code.billing = nil }
        return code
    }
}
