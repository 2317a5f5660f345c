import AccountCodes
import Foundation
import StoreCore

/// The admin port in memory, as the SQLite adapter does it: every write checks the rules
/// (`SettingsRules`, `ImportRules`) against the state it changes, under the one lock, and lands
/// with its audit record or not at all.
extension MemoryStore: AdminStore {
    /// A write: faults first, then the change and its audit record on a copy that is kept only if
    /// nothing threw (a transaction).
    func change<T>(audit: AuditRecord?, _ body: (inout State) throws -> T) async throws(StoreError) -> T {
        try await beforeWriteAsync()
        return try shared.state.withLock { (state: inout State) throws(StoreError) -> T in
            var copy = state
            let result: T
            do { result = try body(&copy) } catch let error as StoreError { throw error } catch let violation as RuleViolation {
                throw .rule(violation)
            } catch { throw .database("\(error)") }
            if let audit { copy.record(audit) }
            state = copy
            return result
        }
    }

    func read<T>(_ body: (State) throws -> T) throws(StoreError) -> T {
        try beforeRead()
        let state = shared.state.withLock { $0 }
        do { return try body(state) } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
    }

    // MARK: Accounts

    public func account(_ id: String) async throws(StoreError) -> Account? { try read { $0.accounts[id] } }
    public func accountOrDefault(_ id: String) async throws(StoreError) -> Account { try read { $0.accounts[id] ?? Account(id: id) } }
    public func accountIDs() async throws(StoreError) -> [String] { try read { $0.accounts.keys.sorted() } }
    public func sourceBindings() async throws(StoreError) -> SourceBindings { try read { Facts(state: $0).bindings } }

    public func saveAccount(_ account: Account, enableAllUsers: Bool, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await change(audit: audit) { state in
            let previous = state.accounts[account.id]
            if previous == nil { try SettingsRules.check(accountID: account.id) }
            try SettingsRules.check(account: account, previous: previous, hasCodes: state.hasCodes(account.id))
            if case .group(let name) = account.unknownCallers, state.groups[Key(account: account.id, name: name)] == nil {
                throw RuleViolation.unknownGroupForUnknownCallers(name)
            }
            var stored = account
            stored.allowedSources = account.allowedSources.compactMap { NetworkBlock($0)?.description }
            state.accounts[account.id] = stored
            guard enableAllUsers else { return 0 }
            var enabled = 0
            for (key, user) in state.users where key.account == account.id && !user.enabled {
                state.users[key]?.enabled = true
                enabled += 1
            }
            return enabled
        }
    }

    // MARK: Groups and users

    public func groups(account: String) async throws(StoreError) -> [SettingsGroup] {
        try read { $0.groups.values.filter { $0.accountID == account }.sorted { $0.name < $1.name } }
    }

    public func group(account: String, name: String) async throws(StoreError) -> SettingsGroup? {
        try read { $0.groups[Key(account: account, name: name)] }
    }

    public func saveGroup(_ group: SettingsGroup, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            let account = try state.requireAccount(group.accountID)
            let exists = state.groups[Key(account: group.accountID, name: group.name)] != nil
            if create { try SettingsRules.check(name: group.name) }
            if create, exists { throw StoreError.alreadyExists("group \(group.name.debugDescription)") }
            if !create, !exists { throw StoreError.notFound("group \(group.name.debugDescription)") }
            try SettingsRules.check(overrides: group.overrides, isUser: false, account: account, hasCodes: state.hasCodes(group.accountID))
            state.groups[Key(account: group.accountID, name: group.name)] = group
        }
    }

    public func removeGroup(account: String, name: String, audit: AuditRecord?) async throws(StoreError) -> Int {
        try await change(audit: audit) { state in
            guard state.groups.removeValue(forKey: Key(account: account, name: name)) != nil else {
                throw StoreError.notFound("group \(name.debugDescription)")
            }
            var moved = 0
            for (key, user) in state.users where key.account == account && user.group == name {
                state.users[key]?.group = nil
                moved += 1
            }
            return moved
        }
    }

    public func users(account: String) async throws(StoreError) -> [User] {
        try read { $0.users.values.filter { $0.accountID == account }.sorted { $0.extensionNumber < $1.extensionNumber } }
    }

    public func user(account: String, extension ext: String) async throws(StoreError) -> User? {
        try read { $0.users[Key(account: account, name: ext)] }
    }

    public func saveUser(_ user: User, create: Bool, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in try state.save(user, create: create) }
    }

    public func removeUser(account: String, extension ext: String, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            guard state.users.removeValue(forKey: Key(account: account, name: ext)) != nil else {
                throw StoreError.notFound("user \(ext.debugDescription)")
            }
        }
    }

    public func importUsers(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        let rows = try Self.rows(csv)
        return try await change(audit: nil) { state in
            _ = try state.requireAccount(account)
            let users = try ImportRules.users(from: rows, account: account,
                                              groupExists: { state.groups[Key(account: account, name: $0)] != nil },
                                              stored: { state.users[Key(account: account, name: $0)] })
            for (user, exists) in users { try state.save(user, create: !exists) }
            let added = users.count { !$0.exists }
            let summary = ImportSummary(added: added, updated: users.count - added)
            state.record(audit, summary: summary)
            return summary
        }
    }

    public func exportUsers(account: String) async throws(StoreError) -> String {
        var out = CSV.line(ImportRules.userHeader)
        for user in try await users(account: account) {
            out += CSV.line([user.extensionNumber, user.name, user.group ?? "", user.enabled ? "1" : "0"])
        }
        return out
    }

    // MARK: Codes

    public func code(account: String, code: String) async throws(StoreError) -> AccountCode? {
        try read { $0.codes[Key(account: account, name: code)] }
    }

    /// `matching`: codes that start with it or whose description contains it (case aside).
    public func codes(account: String, activeOnly: Bool, matching: String?, limit: Int?) async throws(StoreError) -> [AccountCode] {
        try read { state in
            var codes = state.codes.values.filter { $0.accountID == account && (!activeOnly || $0.active) }
            if let matching, !matching.isEmpty {
                codes = codes.filter { $0.code.hasPrefix(matching) || $0.description.localizedCaseInsensitiveContains(matching) }
            }
            codes.sort { $0.code < $1.code }
            return limit.map { Array(codes.prefix($0)) } ?? codes
        }
    }

    public func codeCount(account: String) async throws(StoreError) -> Int { try read { $0.codeCount(account) } }

    public func addCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            let account = try state.requireAccount(code.accountID)
            try SettingsRules.check(code: code.code, account: account)
            try SettingsRules.check(limits: code)
            let key = Key(account: code.accountID, name: code.code)
            guard state.codes[key] == nil else { throw StoreError.alreadyExists("code \(code.code)") }
            state.codes[key] = code
        }
    }

    public func updateCode(_ code: AccountCode, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            try SettingsRules.check(limits: code)
            let key = Key(account: code.accountID, name: code.code)
            guard state.codes[key] != nil else { throw StoreError.notFound("code \(code.code)") }
            state.codes[key] = code
        }
    }

    /// Refused while validation is on and it is the last code.
    public func removeCode(account: String, code: String, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            let stored = try state.requireAccount(account)
            guard state.codes.removeValue(forKey: Key(account: account, name: code)) != nil else { throw StoreError.notFound("code \(code)") }
            if stored.defaults.validateWhenDialed, !state.hasCodes(account) { throw StoreError.rule(.validationWithoutCodes) }
        }
    }

    public func importCodes(account: String, csv: String, audit: AuditRecord?) async throws(StoreError) -> ImportSummary {
        let rows = try Self.rows(csv)
        return try await change(audit: nil) { state in
            let stored = try state.requireAccount(account)
            let codes = try ImportRules.codes(from: rows, account: account, codeLength: stored.codeLength) {
                state.codes[Key(account: account, name: $0)]
            }
            let before = state.codeCount(account)
            for code in codes { state.codes[Key(account: account, name: code.code)] = code }
            let added = state.codeCount(account) - before
            let summary = ImportSummary(added: added, updated: codes.count - added)
            state.record(audit, summary: summary)
            return summary
        }
    }

    public func exportCodes(account: String) async throws(StoreError) -> String {
        var out = CSV.line(ImportRules.codeHeader)
        for code in try await codes(account: account, activeOnly: false, matching: nil, limit: nil) {
            out += CSV.line([code.code, code.description, code.active ? "1" : "0", code.users.joined(separator: " "),
                             code.groups.joined(separator: " "), code.level?.rawValue ?? "", code.validFrom ?? "", code.validUntil ?? ""])
        }
        return out
    }

    static func rows(_ csv: String) throws(StoreError) -> [CSV.Row] {
        do { return try CSV.parse(csv) } catch { throw .importRejected(["\(error)"]) }
    }

    // MARK: Lockouts, tokens, audit

    public func lockouts(account: String, now: Double) async throws(StoreError) -> [Lockout] {
        try read { state in
            state.locks.filter { $0.key.account == account && $0.value.until > now }
                .sorted { ($0.value.until, $0.key.name) < ($1.value.until, $1.key.name) }
                .map { Lockout(accountID: account, subject: $0.key.name, state: $0.value) }
        }
    }

    public func unlock(account: String, subject: LockSubject, now: Double, audit: AuditRecord?) async throws(StoreError) -> Bool {
        try await change(audit: audit) { state in
            let key = Key(account: account, name: subject.key)
            let wasLocked = state.locks.removeValue(forKey: key)?.isActive(at: now) ?? false
            state.failures.removeAll { $0.key == key }
            return wasLocked
        }
    }

    public func addToken(_ token: StoredToken, audit: AuditRecord?) async throws(StoreError) {
        try await change(audit: audit) { state in
            guard !state.tokens.contains(where: { $0.id == token.id || $0.hash == token.hash }) else {
                throw StoreError.alreadyExists("token \(token.id.debugDescription)")
            }
            state.tokens.append(token)
        }
    }

    /// The live (not revoked) token with this hash.
    public func token(hash: String) async throws(StoreError) -> StoredToken? {
        try read { $0.tokens.first { $0.hash == hash && $0.revokedAt == nil } }
    }

    public func tokens() async throws(StoreError) -> [StoredToken] {
        try read { $0.tokens.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func revokeToken(id: String, audit: AuditRecord?) async throws(StoreError) -> Bool {
        try await change(audit: audit) { state in
            guard let index = state.tokens.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("token \(id.debugDescription)") }
            guard state.tokens[index].revokedAt == nil else { return false }
            state.tokens[index].revokedAt = Date()
            return true
        }
    }

    /// Newest first.
    public func audit(_ filter: AuditFilter) async throws(StoreError) -> [AuditRecord] {
        try read { state in
            Array(state.audit.reversed().filter { record in
                (filter.accountID == nil || record.accountID == filter.accountID) && (filter.beforeID.map { (record.id ?? 0) < $0 } ?? true)
            }.prefix(filter.limit))
        }
    }

    // MARK: The usage log, read

    public func usagePage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try read { state in Array(state.usage.filter { filter.matches($0) && ($0.id ?? 0) > (afterID ?? 0) }.prefix(limit)) }
    }

    public func usagePageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) async throws(StoreError) -> [UsageEntry] {
        try read { state in
            Array(state.usage.reversed().filter { entry in filter.matches(entry) && (beforeID.map { (entry.id ?? 0) < $0 } ?? true) }.prefix(limit))
        }
    }

    public func usageCSVPage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(StoreError) -> CSVPage {
        let page = try await usagePage(filter, afterID: afterID, limit: limit)
        return CSVPage(text: UsageCSV.lines(page), lastID: page.last?.id, count: page.count)
    }

    public func usageTotals(_ filter: UsageFilter) async throws(StoreError) -> [CodeTotal] {
        try read { state in
            let billed = state.usage.filter { filter.matches($0) && $0.billingCode != nil }
            return Dictionary(grouping: billed, by: { $0.billingCode ?? "" }).map { code, entries in
                let stored = state.codes[Key(account: filter.accountID, name: code)]
                return CodeTotal(code: code, description: stored?.description ?? "", calls: entries.count,
                                 billsec: entries.reduce(0) { $0 + Self.billable($1) },
                                 billableMinutes: entries.reduce(0) { $0 + (Self.billable($1) + 59) / 60 }, listed: stored != nil)
            }.sorted { $0.code < $1.code }
        }
    }

    public func correctUsage(account: String, id: Int64, correction: UsageCorrection?, audit: AuditRecord?) async throws(StoreError) -> UsageEntry {
        try await change(audit: audit) { state in
            guard let index = state.usage.firstIndex(where: { $0.id == id && $0.accountID == account }) else {
                throw StoreError.notFound("usage entry \(id)")
            }
            state.usage[index].correction = correction.map { var c = $0; c.at = StorageDate.rounded($0.at); return c }
            return state.usage[index]
        }
    }

    public func usageDurations(_ filter: UsageFilter) async throws(StoreError) -> [CodeDurations] {
        try read { state in
            let billed = state.usage.filter { filter.matches($0) && $0.billingCode != nil }
            return Dictionary(grouping: billed, by: { $0.billingCode ?? "" }).map { code, entries in
                let stored = state.codes[Key(account: filter.accountID, name: code)]
                var seconds: [Int: Int] = [:]
                for entry in entries { seconds[Self.billable(entry), default: 0] += 1 }
                return CodeDurations(code: code, description: stored?.description ?? "", listed: stored != nil,
                                     billing: stored?.billing, callsBySeconds: seconds)
            }.sorted { $0.code.utf8.lexicographicallyPrecedes($1.code.utf8) }
        }
    }

    public func usageDaily(_ filter: UsageFilter) async throws(StoreError) -> [DayTotal] {
        try read { state in
            let entries = state.usage.filter { filter.matches($0) }
            return Dictionary(grouping: entries, by: { String(StorageDate.string($0.startedAt).prefix(10)) }).map { day, entries in
                DayTotal(day: day, calls: entries.count, billableMinutes: entries.reduce(0) { $0 + (Self.billable($1) + 59) / 60 })
            }.sorted { $0.day < $1.day }
        }
    }

    public func listedCodes(account: String, among codes: Set<String>) async throws(StoreError) -> Set<String> {
        try read { state in codes.filter { state.codes[Key(account: account, name: $0)] != nil } }
    }

    /// A stored figure as totals count it: never below 0 nor above the longest believable call.
    static func billable(_ entry: UsageEntry) -> Int { min(max(entry.billsec ?? 0, 0), CallEnd.longestCall) }
}

extension MemoryStore.State {
    func requireAccount(_ id: String) throws(StoreError) -> Account {
        guard let account = accounts[id] else {
            throw .notFound("account \(id.debugDescription) (create it with: acctcodes account set --account \(id) ...)")
        }
        return account
    }

    func hasCodes(_ account: String) -> Bool { codes.keys.contains { $0.account == account } }
    func codeCount(_ account: String) -> Int { codes.keys.count { $0.account == account } }

    mutating func save(_ user: User, create: Bool) throws {
        let account = try requireAccount(user.accountID)
        let key = MemoryStore.Key(account: user.accountID, name: user.extensionNumber)
        let exists = users[key] != nil
        if create, exists { throw StoreError.alreadyExists("user \(user.extensionNumber.debugDescription)") }
        if !create, !exists { throw StoreError.notFound("user \(user.extensionNumber.debugDescription)") }
        try SettingsRules.check(extension: user.extensionNumber)
        if let group = user.group, groups[MemoryStore.Key(account: user.accountID, name: group)] == nil {
            throw StoreError.notFound("group \(group.debugDescription)")
        }
        try SettingsRules.check(overrides: user.overrides, isUser: true, account: account, hasCodes: hasCodes(user.accountID))
        users[key] = user
    }

    mutating func record(_ audit: AuditRecord) {
        var record = audit
        record.id = Int64(self.audit.count + 1)
        self.audit.append(record)
    }

    /// An import's audit record says what it did.
    mutating func record(_ audit: AuditRecord?, summary: ImportSummary) {
        guard var audit else { return }
        audit.after = String(decoding: (try? JSONEncoder().encode(summary)) ?? Data(), as: UTF8.self)
        record(audit)
    }
}

extension UsageFilter {
    /// The SQLite adapter's WHERE clause, for entries in memory.
    func matches(_ entry: UsageEntry) -> Bool {
        entry.accountID == accountID && from.map { entry.startedAt >= $0 } ?? true && to.map { entry.startedAt < $0 } ?? true
            && user.map { entry.user == $0 } ?? true && code.map { entry.billingCode == $0 } ?? true
    }
}
