import AccountCodes
import Foundation
import Store
import StoreCore

extension Admin {
    /// A token, and the secret shown once.
    public struct CreatedToken: Sendable {
        public var token: String
        public var stored: StoredToken
    }

    /// Makes a token; the store keeps only its hash. Scoped roles need an existing account.
    public func createToken(name: String, role: Role, account: String?) async throws(AdminError) -> CreatedToken {
        try authorize(.administerAccounts, account: nil)
        guard !name.isEmpty, name.count <= 100, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw AdminError(.invalid, "a token's name is 1 to 100 printable characters", field: "name")
        }
        var scope: String?
        if role != .operator {
            guard let account else { throw AdminError(.invalid, "a \(role.rawValue) token acts for one account: give --account", field: "account") }
            if account != Account.defaultID, try await run({ () async throws(StoreError) in try await store.account(account) }) == nil {
                throw AdminError(.notFound, "account \(account.debugDescription) not found")
            }
            scope = account
        }
        let new = TokenSecret.make()
        let stored = StoredToken(id: new.id, name: name, role: role.rawValue, accountID: scope, hash: new.hash)
        let audit = record("token.create", account: scope ?? "*", target: "token \(new.id)", before: String?.none,
                           after: TokenView(stored))
        try await run { () async throws(StoreError) in try await store.addToken(stored, audit: audit) }
        return CreatedToken(token: new.token, stored: stored)
    }

    public func tokens() async throws(AdminError) -> [StoredToken] {
        try authorize(.administerAccounts, account: nil)
        return try await run { () async throws(StoreError) in try await store.tokens() }
    }

    @discardableResult
    public func revokeToken(id: String) async throws(AdminError) -> Bool {
        try authorize(.administerAccounts, account: nil)
        let audit = record("token.revoke", account: "*", target: "token \(id)", before: String?.none, after: String?.none)
        return try await run { () async throws(StoreError) in try await store.revokeToken(id: id, audit: audit) }
    }

    /// The principal a presented bearer token stands for, or nil. Async: the API calls it per request.
    public static func principal(forToken token: String, in store: any AdminStore) async throws(AdminError) -> Principal? {
        guard TokenSecret.isWellFormed(token) else { return nil }
        return try await principal(forTokenHash: TokenSecret.hash(token), in: store)
    }

    /// The principal of the live token kept under this hash (a console session keeps only the hash).
    public static func principal(forTokenHash hash: String, in store: any AdminStore) async throws(AdminError) -> Principal? {
        let found: StoredToken?
        do { found = try await store.token(hash: hash) } catch { throw AdminError(error) }
        guard let found, let role = Role(rawValue: found.role) else { return nil }
        return Principal(name: "token:\(found.id) (\(found.name))", role: role, account: found.accountID)
    }
}

/// A token as lists and the audit log show it: never its hash.
public struct TokenView: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var role: String
    public var account: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(_ token: StoredToken) {
        id = token.id
        name = token.name
        role = token.role
        account = token.accountID
        createdAt = token.createdAt
        revokedAt = token.revokedAt
    }
}
