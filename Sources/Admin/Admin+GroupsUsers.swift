import AccountCodes
import Foundation
import Store
import StoreCore

extension Admin {
    // MARK: Groups

    public func groups(account: String) async throws(AdminError) -> [SettingsGroup] {
        try authorize(.readSettings, account: account)
        return try await run { () async throws(StoreError) in try await store.groups(account: account) }
    }

    public func group(account: String, name: String) async throws(AdminError) -> SettingsGroup {
        try authorize(.readSettings, account: account)
        guard let group = try await run({ () async throws(StoreError) in try await store.group(account: account, name: name) }) else {
            throw AdminError(.notFound, "group \(name.debugDescription) not found")
        }
        return group
    }

    public func saveGroup(_ group: SettingsGroup, create: Bool) async throws(AdminError) {
        try authorize(.writeSettings, account: group.accountID)
        let before = create ? nil : try await run { () async throws(StoreError) in try await store.group(account: group.accountID, name: group.name) }
        let audit = record(create ? "group.add" : "group.save", account: group.accountID, target: "group \(group.name)",
                           before: before, after: group)
        try await run { () async throws(StoreError) in try await store.saveGroup(group, create: create, audit: audit) }
    }

    /// Returns how many users the group had (they stay, with no group).
    @discardableResult
    public func removeGroup(account: String, name: String) async throws(AdminError) -> Int {
        try authorize(.writeSettings, account: account)
        let before = try await run { () async throws(StoreError) in try await store.group(account: account, name: name) }
        let audit = record("group.remove", account: account, target: "group \(name)", before: before, after: SettingsGroup?.none)
        return try await run { () async throws(StoreError) in try await store.removeGroup(account: account, name: name, audit: audit) }
    }

    // MARK: Users

    public func users(account: String) async throws(AdminError) -> [User] {
        try authorize(.readSettings, account: account)
        return try await run { () async throws(StoreError) in try await store.users(account: account) }
    }

    public func user(account: String, extension ext: String) async throws(AdminError) -> User {
        try authorize(.readSettings, account: account)
        guard let user = try await run({ () async throws(StoreError) in try await store.user(account: account, extension: ext) }) else {
            throw AdminError(.notFound, "user \(ext.debugDescription) not found")
        }
        return user
    }

    /// Adds or changes a user; `action` names it in the audit log (`user.enable`, `user.reset`...).
    public func saveUser(_ user: User, create: Bool, action: String? = nil) async throws(AdminError) {
        try authorize(.writeSettings, account: user.accountID)
        let before = create ? nil : try await run { () async throws(StoreError) in try await store.user(account: user.accountID, extension: user.extensionNumber) }
        let audit = record(action ?? (create ? "user.add" : "user.save"), account: user.accountID, target: "user \(user.extensionNumber)",
                           before: before, after: user)
        try await run { () async throws(StoreError) in try await store.saveUser(user, create: create, audit: audit) }
    }

    /// Turns account codes on or off for a user.
    public func setUserEnabled(account: String, extension ext: String, _ enabled: Bool) async throws(AdminError) {
        var user = try await user(account: account, extension: ext)
        user.enabled = enabled
        try await saveUser(user, create: false, action: enabled ? "user.enable" : "user.disable")
    }

    public func removeUser(account: String, extension ext: String) async throws(AdminError) {
        try authorize(.writeSettings, account: account)
        let before = try await run { () async throws(StoreError) in try await store.user(account: account, extension: ext) }
        let audit = record("user.remove", account: account, target: "user \(ext)", before: before, after: User?.none)
        try await run { () async throws(StoreError) in try await store.removeUser(account: account, extension: ext, audit: audit) }
    }

    public func importUsers(account: String, csv: String) async throws(AdminError) -> ImportSummary {
        try authorize(.writeSettings, account: account)
        let audit = record("user.import", account: account, target: "users", before: String?.none, after: String?.none)
        return try await run { () async throws(StoreError) in try await store.importUsers(account: account, csv: csv, audit: audit) }
    }

    public func exportUsers(account: String) async throws(AdminError) -> String {
        try authorize(.readSettings, account: account)
        return try await run { () async throws(StoreError) in try await store.exportUsers(account: account) }
    }

    // MARK: Lockouts

    public func lockouts(account: String, now: Date = Date()) async throws(AdminError) -> [Lockout] {
        try authorize(.readLockouts, account: account)
        return try await run { () async throws(StoreError) in try await store.lockouts(account: account, now: now.timeIntervalSince1970) }
    }

    /// Lifts a lock and forgets the subject's incorrect entries. Returns whether it was locked.
    @discardableResult
    public func unlock(account: String, subject: LockSubject, now: Date = Date()) async throws(AdminError) -> Bool {
        try authorize(.clearLockouts, account: account)
        let audit = record("lockout.clear", account: account, target: subject.key, before: String?.none, after: String?.none)
        return try await run { () async throws(StoreError) in
            try await store.unlock(account: account, subject: subject, now: now.timeIntervalSince1970, audit: audit)
        }
    }
}
