import AccountCodes
import Dispatch
import StoreCore

/// The admin port on SQLite: each operation runs the synchronous one on a queue of its own, never on
/// Swift's cooperative pool (SQLite blocks while it reads or waits for the write lock).
extension AcctcodesStore: AdminStore, LocalPageReader {
    // `token(hash:)` and `usageCSVPage` are async already (GRDB's reader queue).

    public func account(_ id: String) async throws(StoreError) -> Account? {
        try await offloaded { () throws(StoreError) in try self.account(id) }
    }
    public func accountOrDefault(_ id: String) async throws(StoreError) -> Account {
        try await offloaded { () throws(StoreError) in try self.accountOrDefault(id) }
    }
    public func accountIDs() async throws(StoreError) -> [String] {
        try await offloaded { () throws(StoreError) in try self.accountIDs() }
    }
    public func sourceBindings() async throws(StoreError) -> SourceBindings {
        try await offloaded { () throws(StoreError) in try self.sourceBindings() }
    }
    public func saveAccount(_ account: Account, enableAllUsers: Bool, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await offloaded { () throws(StoreError) in try self.saveAccount(account, enableAllUsers: enableAllUsers, audit: audit) }
    }
    public func groups(account: String) async throws(StoreError) -> [SettingsGroup] {
        try await offloaded { () throws(StoreError) in try self.groups(account: account) }
    }
    public func group(account: String, name: String) async throws(StoreError) -> SettingsGroup? {
        try await offloaded { () throws(StoreError) in try self.group(account: account, name: name) }
    }
    public func saveGroup(_ group: SettingsGroup, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.saveGroup(group, create: create, audit: audit) }
    }
    public func removeGroup(account: String, name: String, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await offloaded { () throws(StoreError) in try self.removeGroup(account: account, name: name, audit: audit) }
    }
    public func users(account: String) async throws(StoreError) -> [User] {
        try await offloaded { () throws(StoreError) in try self.users(account: account) }
    }
    public func user(account: String, extension ext: String) async throws(StoreError) -> User? {
        try await offloaded { () throws(StoreError) in try self.user(account: account, extension: ext) }
    }
    public func saveUser(_ user: User, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.saveUser(user, create: create, audit: audit) }
    }
    public func removeUser(account: String, extension ext: String, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.removeUser(account: account, extension: ext, audit: audit) }
    }
    public func importUsers(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        try await offloaded { () throws(StoreError) in try self.importUsers(account: account, csv: csv, audit: audit) }
    }
    public func exportUsers(account: String) async throws(StoreError) -> String {
        try await offloaded { () throws(StoreError) in try self.exportUsers(account: account) }
    }
    public func code(account: String, code: String) async throws(StoreError) -> AccountCode? {
        try await offloaded { () throws(StoreError) in try self.code(account: account, code: code) }
    }
    public func codes(account: String, activeOnly: Bool, matching: String?, limit: Int?) async throws(StoreError) -> [AccountCode] {
        try await offloaded { () throws(StoreError) in try self.codes(account: account, activeOnly: activeOnly, matching: matching, limit: limit) }
    }
    public func codeCount(account: String) async throws(StoreError) -> Int {
        try await offloaded { () throws(StoreError) in try self.codeCount(account: account) }
    }
    public func addCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.addCode(code, audit: audit) }
    }
    public func updateCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.updateCode(code, audit: audit) }
    }
    public func removeCode(account: String, code: String, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.removeCode(account: account, code: code, audit: audit) }
    }
    public func importCodes(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        try await offloaded { () throws(StoreError) in try self.importCodes(account: account, csv: csv, audit: audit) }
    }
    public func exportCodes(account: String) async throws(StoreError) -> String {
        try await offloaded { () throws(StoreError) in try self.exportCodes(account: account) }
    }
    public func lockouts(account: String, now: Double) async throws(StoreError) -> [Lockout] {
        try await offloaded { () throws(StoreError) in try self.lockouts(account: account, now: now) }
    }
    public func unlock(account: String, subject: LockSubject, now: Double, audit: AuditRecord?) async throws(StoreError) -> Bool {
        try await offloaded { () throws(StoreError) in try self.unlock(account: account, subject: subject, now: now, audit: audit) }
    }
    public func addToken(_ token: StoredToken, audit: AuditRecord?) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in try self.addToken(token, audit: audit) }
    }
    public func tokens() async throws(StoreError) -> [StoredToken] {
        try await offloaded { () throws(StoreError) in try self.tokens() }
    }
    public func revokeToken(id: String, audit: AuditRecord?) async throws(StoreError) -> Bool {
        try await offloaded { () throws(StoreError) in try self.revokeToken(id: id, audit: audit) }
    }
    public func audit(_ filter: AuditFilter) async throws(StoreError) -> [AuditRecord] {
        try await offloaded { () throws(StoreError) in try self.audit(filter) }
    }
    public func usagePage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try await offloaded { () throws(StoreError) in try self.usagePage(filter, afterID: afterID, limit: limit) }
    }
    public func usagePageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try await offloaded { () throws(StoreError) in try self.usagePageNewestFirst(filter, beforeID: beforeID, limit: limit) }
    }
    public func usageTotals(_ filter: UsageFilter) async throws(StoreError) -> [CodeTotal] {
        try await offloaded { () throws(StoreError) in try self.usageTotals(filter) }
    }
    public func usageDaily(_ filter: UsageFilter) async throws(StoreError) -> [DayTotal] {
        try await offloaded { () throws(StoreError) in try self.usageDaily(filter) }
    }
    public func correctUsage(account: String, id: Int64, correction: UsageCorrection?, audit: AuditRecord?) async throws(StoreError) -> UsageEntry {
        try await offloaded { () throws(StoreError) in try self.correctUsage(account: account, id: id, correction: correction, audit: audit) }
    }
    public func usageDurations(_ filter: UsageFilter) async throws(StoreError) -> [CodeDurations] {
        try await offloaded { () throws(StoreError) in try self.usageDurations(filter) }
    }
    public func listedCodes(account: String, among codes: Set<String>) async throws(StoreError) -> Set<String> {
        try await offloaded { () throws(StoreError) in try self.listedCodes(account: account, among: codes) }
    }

    /// A synchronous store operation on the admin queue; the caller's task waits without a thread.
    func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            Self.adminQueue.async {
                do throws(StoreError) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    /// Admin operations, a few at once (GRDB's pool gives each its own connection; writes queue at
    /// SQLite's lock). Not the cooperative pool: a read of a million rows would hold one of its threads.
    static let adminQueue = DispatchQueue(label: "acctcodes.store.admin", qos: .utility, attributes: .concurrent)
}
