import AccountCodes
import Store
import StoreCore

extension Admin {
    /// The accounts this principal sees: all for an operator, its own for a scoped token.
    public func accounts() async throws(AdminError) -> [Account] {
        let ids: [String]
        if let own = principal.account { ids = [own] } else { ids = try await run { () async throws(StoreError) in try await store.accountIDs() } }
        var accounts: [Account] = []
        for id in ids { if let found = try await stored(id) { accounts.append(found) } }
        return accounts
    }

    /// The accounts this principal sees, each with its settings only where the principal may
    /// read them: a billing token listing accounts learns its account's id, not its lockout
    /// thresholds, numbering plan or allowed sources.
    public func accountListing() async throws(AdminError) -> [AccountListing] {
        try await accounts().map { principal.may(.readSettings, account: $0.id) ? AccountListing(account: $0) : AccountListing(id: $0.id) }
    }

    /// An account's settings. `default` always exists (with defaults until first saved).
    public func account(_ id: String) async throws(AdminError) -> Account {
        try authorize(.readSettings, account: id)
        guard let found = try await stored(id) else { throw AdminError(.notFound, "account \(id.debugDescription) not found") }
        return found
    }

    /// The account as stored; `default` with its defaults before it was first saved.
    private func stored(_ id: String) async throws(AdminError) -> Account? {
        try await run { () async throws(StoreError) in try await id == Account.defaultID ? store.accountOrDefault(id) : store.account(id) }
    }

    /// The account to change, for an edit that ends in `saveAccount`: the stored one, or a new
    /// one with defaults (saving that creates it, which `saveAccount` allows operators alone).
    public func accountToEdit(_ id: String) async throws(AdminError) -> Account {
        try authorize(.writeSettings, account: id)
        return try await run { () async throws(StoreError) in try await store.accountOrDefault(id) }
    }

    public func codeCount(account: String) async throws(AdminError) -> Int {
        try authorize(.readCodes, account: account)
        return try await run { () async throws(StoreError) in try await store.codeCount(account: account) }
    }

    public struct AccountSaved: Sendable, Equatable, Codable {
        /// Users the save enabled ("enable for every user who does not have it yet").
        public var enabledUsers: Int
        /// Accounts that list no sources and so, now that tenancy is on, serve no PBX.
        public var closedAccounts: [String]
    }

    /// Creates or changes an account. Creating one, and changing its allowed sources, are the
    /// operator's: the first account given sources turns tenancy on for every account.
    public func saveAccount(_ account: Account, enableAllUsers: Bool) async throws(AdminError) -> AccountSaved {
        try authorize(.writeSettings, account: account.id)
        let previous = try await run { () async throws(StoreError) in try await store.account(account.id) }
        if previous == nil, account.id != Account.defaultID { try authorize(.administerAccounts, account: account.id) }
        if account.allowedSources != (previous?.allowedSources ?? []) { try authorize(.bindSources, account: account.id) }
        let tenancyWasOn = try await run { () async throws(StoreError) in try await store.sourceBindings() }.tenancyIsOn
        let audit = record("account.save", account: account.id, target: "account \(account.id)", before: previous,
                           after: enableAllUsers ? AccountChange(account: account, enableAllUsers: true) : AccountChange(account: account))
        let enabled = try await run { () async throws(StoreError) in try await store.saveAccount(account, enableAllUsers: enableAllUsers, audit: audit) }
        var closed: [String] = []
        let bindings = try await run { () async throws(StoreError) in try await store.sourceBindings() }
        if !tenancyWasOn, bindings.tenancyIsOn {
            let bound = Set(bindings.bindings.map(\.accountID))
            closed = try await run { () async throws(StoreError) in try await store.accountIDs() }.filter { !bound.contains($0) }
        }
        return AccountSaved(enabledUsers: enabled, closedAccounts: closed)
    }

    /// An account save as the audit log shows it: the account after, and the explicit option.
    struct AccountChange: Encodable {
        var account: Account
        var enableAllUsers: Bool?
    }
}

/// An account in a list: the whole account, or its id alone for a role that may not read settings.
public struct AccountListing: Encodable, Sendable, Equatable {
    public let id: String
    /// nil where the principal may not read the account's settings.
    public let account: Account?

    init(account: Account) { id = account.id; self.account = account }
    init(id: String) { self.id = id; account = nil }

    enum CodingKeys: String, CodingKey { case id }

    public func encode(to encoder: any Encoder) throws {
        if let account { return try account.encode(to: encoder) }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
    }
}
