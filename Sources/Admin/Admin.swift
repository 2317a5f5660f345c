import AccountCodes
import Foundation
import Store
import StoreCore

/// The application layer: every admin operation, for the CLI and the HTTP API alike. It checks
/// the principal's access, lets the store apply the rules, and writes each change's audit record
/// in the change's own transaction. Async over the store's admin port (`AdminStore`): any backend.
public struct Admin: Sendable {
    public let store: any AdminStore
    public let principal: Principal

    public init(store: any AdminStore, principal: Principal) {
        self.store = store
        self.principal = principal
    }

    // MARK: Access

    /// Refuses unless the principal may do `action` on `account`. A scoped token asking about
    /// another account hears "not found", as for one that does not exist.
    public func authorize(_ action: Action, account: String?) throws(AdminError) {
        if let account, !principal.sees(account: account) {
            var error = AdminError(.notFound, "account \(account.debugDescription) not found")
            error.otherTenant = true
            throw error
        }
        guard principal.may(action, account: account) else { throw AdminError.forbidden(Self.words(action)) }
    }

    static func words(_ action: Action) -> String {
        switch action {
        case .readSettings: "read settings"
        case .writeSettings: "change settings"
        case .readCodes: "read codes"
        case .writeCodes: "change codes"
        case .readUsage: "read the usage log"
        case .correctUsage: "correct a call's code"
        case .readLockouts: "read lockouts"
        case .clearLockouts: "lift lockouts"
        case .readAudit: "read the audit log"
        case .explain: "explain calls"
        case .administerAccounts: "create accounts or act across accounts"
        case .bindSources: "change an account's allowed sources"
        }
    }

    /// Runs a store call, its errors in the one shape.
    func run<T>(_ body: () async throws(StoreError) -> T) async throws(AdminError) -> T {
        do { return try await body() } catch { throw AdminError(error) }
    }

    // MARK: Audit

    func record<B: Encodable, A: Encodable>(_ action: String, account: String, target: String, before: B?, after: A?) -> AuditRecord {
        var beforeJSON: String?
        var afterJSON: String?
        if let before { beforeJSON = Self.json(before) }
        if let after { afterJSON = Self.json(after) }
        return AuditRecord(actor: principal.name, accountID: account, action: action, target: target, before: beforeJSON, after: afterJSON)
    }

    static func json<T: Encodable>(_ value: T) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Audit records list newest first, `limit` at most, before a record id for the next page.
    public func audit(account: String?, beforeID: Int64? = nil, limit: Int = 100) async throws(AdminError) -> [AuditRecord] {
        if let account { try authorize(.readAudit, account: account) } else { try authorize(.administerAccounts, account: nil) }
        return try await run { () async throws(StoreError) in try await store.audit(AuditFilter(accountID: account, beforeID: beforeID, limit: limit)) }
    }
}
