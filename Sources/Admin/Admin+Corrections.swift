import AccountCodes
import Foundation
import StoreCore

/// Corrections after the call (issue 24): a code keyed wrongly, or not at all, set by an admin
/// with a reason. The entry keeps the code and tag as they were keyed; the correction is billed
/// (totals, reports, exports) and the audit log records each one.
extension Admin {
    /// Sets the code entry `id` of `account` bills to, or with `code` nil bills it as keyed again.
    /// The code must be the account's length and, while the account validates codes, one of its
    /// codes; the reason is required (`UsageCorrection.reason`).
    public func correctUsage(account: String, id: Int64, code: String?, reason: String) async throws(AdminError) -> UsageEntry {
        try authorize(.correctUsage, account: account)
        guard let reason = UsageCorrection.reason(reason) else {
            throw AdminError(.invalid, "say why, in 1 to 200 characters", field: "reason")
        }
        let stored = try await run { () async throws(StoreError) in try await store.accountOrDefault(account) }
        if let code {
            do throws(RuleViolation) { try SettingsRules.check(code: code, account: stored) } catch {
                throw AdminError(.rule, error.description, field: "code")
            }
            if stored.defaults.validateWhenDialed, try await run({ () async throws(StoreError) in try await store.code(account: account, code: code) }) == nil {
                throw AdminError(.rule, "code \(code) is not in the account's code list, and the account validates codes", field: "code")
            }
        }
        let entry = try await usageEntry(account: account, id: id)
        let correction = code.map { UsageCorrection(code: $0, reason: reason, by: principal.name, at: Date()) }
        let hidden = stored.hideCodes
        func shown(_ code: String?) -> String? { hidden ? code.map { _ in Self.hiddenCode } : code }
        let audit = record("usage.correct", account: account, target: "call \(entry.uniqueID)",
                           before: BilledAs(code: shown(entry.billingCode), keyed: shown(entry.code), tagged: shown(entry.tagCode), reason: entry.correction?.reason),
                           after: BilledAs(code: shown(code ?? entry.tagCode ?? entry.code), keyed: nil, tagged: nil, reason: reason))
        return try await run { () async throws(StoreError) in
            try await store.correctUsage(account: account, id: id, correction: correction, audit: audit)
        }
    }

    /// One entry of the account's usage log (a page of one from just below its id).
    public func usageEntry(account: String, id: Int64) async throws(AdminError) -> UsageEntry {
        try authorize(.readUsage, account: account)
        guard id > 0 else { throw AdminError(.notFound, "usage entry \(id) not found") }
        let page = try await run { () async throws(StoreError) in try await store.usagePage(UsageFilter(accountID: account), afterID: id - 1, limit: 1) }
        guard let entry = page.first, entry.id == id else { throw AdminError(.notFound, "usage entry \(id) not found") }
        return entry
    }

    /// A call's billing code as the audit log shows it (hidden where the account hides codes).
    struct BilledAs: Encodable {
        var code: String?
        var keyed: String?
        var tagged: String?
        var reason: String?
    }
}
