import AccountCodes
import Foundation
import MemoryStore
import Store
import StoreCore
import Testing

/// A store under test, with what the suite needs beyond the call path's ports: setting facts up
/// (the admin layer's job on a real install) and reading the usage log back.
protocol ConformingStore: CallPathStore {
    func seed(_ account: Account) throws
    func seed(_ user: User) throws
    func seed(_ group: SettingsGroup) throws
    func seed(_ code: AccountCode) throws
    func entries(account: String) throws -> [UsageEntry]
    /// A second instance over the same data: a second server on the same database.
    func sibling() throws -> any ConformingStore
}

enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, memory

    var testDescription: String { rawValue }

    func make() throws -> any ConformingStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString).sqlite").path
            return try AcctcodesStore(path: path)
        case .memory:
            return MemoryStore()
        }
    }
}

extension AcctcodesStore: ConformingStore {
    func seed(_ account: Account) throws { _ = try saveAccount(account) }
    func seed(_ user: User) throws { try saveUser(user, create: try self.user(account: user.accountID, extension: user.extensionNumber) == nil) }
    func seed(_ group: SettingsGroup) throws { try saveGroup(group, create: try self.group(account: group.accountID, name: group.name) == nil) }
    func seed(_ code: AccountCode) throws { try addCode(code) }
    func entries(account: String) throws -> [UsageEntry] { try usage(UsageFilter(accountID: account)) }
    func sibling() throws -> any ConformingStore { try AcctcodesStore(path: path) }
}

extension MemoryStore: ConformingStore {
    func seed(_ account: Account) throws { put(account) }
    func seed(_ user: User) throws { put(user) }
    func seed(_ group: SettingsGroup) throws { put(group) }
    func seed(_ code: AccountCode) throws { put(code) }
    func entries(account: String) throws -> [UsageEntry] { usage(account: account) }
    func sibling() throws -> any ConformingStore { MemoryStore(shared: shared) }
}
