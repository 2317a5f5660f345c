import AccountCodes
import Store

extension Admin {
    /// The accounts this principal sees: all for an operator, its own for a scoped token.
    public func accounts() throws(AdminError) -> [Account] {
        let ids: [String]
        if let own = principal.account { ids = [own] } else { ids = try run { () throws(StoreError) in try store.accountIDs() } }
        var accounts: [Account] = []
        for id in ids { if let found = try stored(id) { accounts.append(found) } }
        return accounts
    }

    /// An account's settings. `default` always exists (with defaults until first saved).
    public func account(_ id: String) throws(AdminError) -> Account {
        try authorize(.readSettings, account: id)
        guard let found = try stored(id) else { throw AdminError(.notFound, "account \(id.debugDescription) not found") }
        return found
    }

    /// The account as stored; `default` with its defaults before it was first saved.
    private func stored(_ id: String) throws(AdminError) -> Account? {
        try run { () throws(StoreError) in try id == Account.defaultID ? store.accountOrDefault(id) : store.account(id) }
    }

    /// The account to change, for an edit that ends in `saveAccount`: the stored one, or a new
    /// one with defaults (saving that creates it, which `saveAccount` allows operators alone).
    public func accountToEdit(_ id: String) throws(AdminError) -> Account {
        try authorize(.writeSettings, account: id)
        return try run { () throws(StoreError) in try store.accountOrDefault(id) }
    }

    public func codeCount(account: String) throws(AdminError) -> Int {
        try authorize(.readCodes, account: account)
        return try run { () throws(StoreError) in try store.codeCount(account: account) }
    }

    public struct AccountSaved: Sendable, Equatable, Codable {
        /// Users the save enabled ("enable for every user who does not have it yet").
        public var enabledUsers: Int
        /// Accounts that list no sources and so, now that tenancy is on, serve no PBX.
        public var closedAccounts: [String]
    }

    /// Creates or changes an account. Creating one, and changing its allowed sources, are the
    /// operator's: the first account given sources turns tenancy on for every account.
    public func saveAccount(_ account: Account, enableAllUsers: Bool) throws(AdminError) -> AccountSaved {
        try authorize(.writeSettings, account: account.id)
        let previous = try run { () throws(StoreError) in try store.account(account.id) }
        if previous == nil, account.id != Account.defaultID { try authorize(.administerAccounts, account: account.id) }
        if account.allowedSources != (previous?.allowedSources ?? []) { try authorize(.bindSources, account: account.id) }
        let tenancyWasOn = try run { () throws(StoreError) in try store.sourceBindings() }.tenancyIsOn
        let audit = record("account.save", account: account.id, target: "account \(account.id)", before: previous,
                           after: enableAllUsers ? AccountChange(account: account, enableAllUsers: true) : AccountChange(account: account))
        let enabled = try run { () throws(StoreError) in try store.saveAccount(account, enableAllUsers: enableAllUsers, audit: audit) }
        var closed: [String] = []
        let bindings = try run { () throws(StoreError) in try store.sourceBindings() }
        if !tenancyWasOn, bindings.tenancyIsOn {
            let bound = Set(bindings.bindings.map(\.accountID))
            closed = try run { () throws(StoreError) in try store.accountIDs() }.filter { !bound.contains($0) }
        }
        return AccountSaved(enabledUsers: enabled, closedAccounts: closed)
    }

    /// An account save as the audit log shows it: the account after, and the explicit option.
    struct AccountChange: Encodable {
        var account: Account
        var enableAllUsers: Bool?
    }
}
