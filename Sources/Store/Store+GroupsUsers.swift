import AccountCodes
internal import GRDB
import StoreCore

extension AcctcodesStore {
    // MARK: Groups

    public func groups(account: String) throws(StoreError) -> [SettingsGroup] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM settings_group WHERE account_id = ? ORDER BY name", arguments: [account])
                .map(Self.decodeGroup)
        }
    }

    public func group(account: String, name: String) throws(StoreError) -> SettingsGroup? {
        try read { db in try Self.fetchGroup(db, account, name) }
    }

    /// Adds (`create: true`) or updates a group after checking its overrides.
    public func saveGroup(_ group: SettingsGroup, create: Bool, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            let account = try Self.requireAccount(db, group.accountID)
            let exists = try Self.fetchGroup(db, group.accountID, group.name) != nil
            if create { try SettingsRules.check(name: group.name) }
            if create, exists { throw StoreError.alreadyExists("group \(group.name.debugDescription)") }
            if !create, !exists { throw StoreError.notFound("group \(group.name.debugDescription)") }
            try SettingsRules.check(overrides: group.overrides, isUser: false, account: account,
                                    hasCodes: try Self.hasCodes(db, group.accountID))
            try db.execute(sql: """
                INSERT OR REPLACE INTO settings_group (account_id, name, overrides, permission) VALUES (?, ?, ?, ?)
                """, arguments: [group.accountID, group.name, try JSONColumn.encode(group.overrides), group.permission.rawValue])
        }
    }

    /// Removes a group; its users stay, with no group. Returns how many users it had.
    @discardableResult
    public func removeGroup(account: String, name: String, audit: AuditRecord? = nil) throws(StoreError) -> Int {
        try write(audit: audit) { db in
            guard try Self.fetchGroup(db, account, name) != nil else { throw StoreError.notFound("group \(name.debugDescription)") }
            try db.execute(sql: "UPDATE user SET group_name = NULL WHERE account_id = ? AND group_name = ?", arguments: [account, name])
            let moved = db.changesCount
            try db.execute(sql: "DELETE FROM settings_group WHERE account_id = ? AND name = ?", arguments: [account, name])
            return moved
        }
    }

    static func fetchGroup(_ db: GRDB.Database, _ account: String, _ name: String) throws -> SettingsGroup? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM settings_group WHERE account_id = ? AND name = ?"), arguments: [account, name])
            .map(decodeGroup)
    }

    static func decodeGroup(_ row: Row) throws -> SettingsGroup {
        var group = SettingsGroup(accountID: row["account_id"], name: row["name"])
        group.overrides = try JSONColumn.decodeCached(SettingsOverrides.self, row["overrides"])
        group.permission = CallPermission(rawValue: row["permission"]) ?? .internal
        return group
    }

    // MARK: Users

    public func users(account: String) throws(StoreError) -> [User] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM user WHERE account_id = ? ORDER BY extension", arguments: [account])
                .map(Self.decodeUser)
        }
    }

    public func user(account: String, extension ext: String) throws(StoreError) -> User? {
        try read { db in try Self.fetchUser(db, account, ext) }
    }

    /// Adds (`create: true`) or updates a user after checking its group and overrides.
    public func saveUser(_ user: User, create: Bool, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in try Self.saveUser(db, user, create: create) }
    }

    static func saveUser(_ db: GRDB.Database, _ user: User, create: Bool) throws {
        let account = try requireAccount(db, user.accountID)
        let exists = try fetchUser(db, user.accountID, user.extensionNumber) != nil
        if create, exists { throw StoreError.alreadyExists("user \(user.extensionNumber.debugDescription)") }
        if !create, !exists { throw StoreError.notFound("user \(user.extensionNumber.debugDescription)") }
        try SettingsRules.check(extension: user.extensionNumber)
        if let group = user.group, try fetchGroup(db, user.accountID, group) == nil {
            throw StoreError.notFound("group \(group.debugDescription)")
        }
        try SettingsRules.check(overrides: user.overrides, isUser: true, account: account, hasCodes: try hasCodes(db, user.accountID))
        try db.execute(sql: """
            INSERT OR REPLACE INTO user (account_id, extension, name, group_name, enabled, overrides) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [user.accountID, user.extensionNumber, user.name, user.group, user.enabled,
                             try JSONColumn.encode(user.overrides)])
    }

    public func removeUser(account: String, extension ext: String, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            try db.execute(sql: "DELETE FROM user WHERE account_id = ? AND extension = ?", arguments: [account, ext])
            if db.changesCount == 0 { throw StoreError.notFound("user \(ext.debugDescription)") }
        }
    }

    static func fetchUser(_ db: GRDB.Database, _ account: String, _ ext: String) throws -> User? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM user WHERE account_id = ? AND extension = ?"), arguments: [account, ext])
            .map(decodeUser)
    }

    static func isExtension(_ db: GRDB.Database, _ account: String, _ ext: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM user WHERE account_id = ? AND extension = ?"), arguments: [account, ext]) ?? false
    }

    static func decodeUser(_ row: Row) throws -> User {
        var user = User(accountID: row["account_id"], extensionNumber: row["extension"])
        user.name = row["name"]
        user.group = row["group_name"]
        user.enabled = row["enabled"]
        user.overrides = try JSONColumn.decodeCached(SettingsOverrides.self, row["overrides"])
        return user
    }
}
