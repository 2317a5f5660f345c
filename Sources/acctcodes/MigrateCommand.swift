import AccountCodes
import ArgumentParser
import Foundation
import Logging
import MemoryStore
import PostgresStore
import Store
import StoreCore

/// `acctcodes migrate`: an install moved from its SQLite file to a shared PostgreSQL database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an install from its SQLite file to an empty PostgreSQL database, and check the copy.",
        discussion: """
        Copies accounts, groups, users, codes, tokens, the audit log and the usage log; then compares
        counts and the usage log's totals per account and per day. Locks are not copied (they are
        minutes long). Refuses a database that already holds anything. Stop the server first, so
        no call lands in the file after the copy.
        Example: PGPASSWORD=... acctcodes migrate --from /var/lib/acctcodes/acctcodes.sqlite \\
          --to 'postgres://acctcodes@db.example.net/acctcodes'
        """
    )

    @Option(help: ArgumentHelp("The SQLite database file.", valueName: "path")) var from: String
    @Option(help: ArgumentHelp("The PostgreSQL database, postgres://USER@HOST:PORT/DB.", valueName: "url")) var to: String
    @Option(help: ArgumentHelp("File holding the PostgreSQL password (instead of $PGPASSWORD).", valueName: "path"))
    var dbPasswordFile: String?

    func run() async throws {
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("--from \(from): no such file") }
        guard PostgresLocation.isPostgres(to) else { throw ValidationError("--to takes postgres://USER@HOST:PORT/DB") }
        let source = try AcctcodesStore(path: from)
        let target = try await PostgresStore.open(try PostgresLocation(to, passwordFile: dbPasswordFile), deadline: .seconds(60),
                                                  callPath: false, logger: Logger(label: "acctcodes.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await copy(from: source, to: target)
        } catch {
            await target.close()
            throw error
        }
        await target.close()
    }

    private func copy(from source: AcctcodesStore, to target: PostgresStore) async throws {
        guard try await target.isEmpty() else {
            throw MigrateError(message: "refused: \(target.location) already holds data; migrate into an empty database")
        }
        var contents = MemoryStore.Contents()
        let accounts = try await source.accountIDs()
        for id in accounts {
            guard let account = try await source.account(id) else { continue }
            contents.accounts[id] = account
            for group in try await source.groups(account: id) { contents.groups[.init(account: id, name: group.name)] = group }
            for user in try await source.users(account: id) { contents.users[.init(account: id, name: user.extensionNumber)] = user }
            for code in try await source.codes(account: id, activeOnly: false, matching: nil, limit: nil) {
                contents.codes[.init(account: id, name: code.code)] = code
            }
        }
        var audit: [AuditRecord] = []
        var before: Int64?
        while true {
            let page = try await source.audit(AuditFilter(accountID: nil, beforeID: before, limit: 10_000))
            audit += page
            guard page.count == 10_000, let last = page.last?.id else { break }
            before = last
        }
        contents.audit = audit.reversed()
        let tokens = try await source.tokens()
        try await target.copyIn(contents, tokens: tokens)
        print("copied \(accounts.count) accounts, \(contents.groups.count) groups, \(contents.users.count) users, "
              + "\(contents.codes.count) codes, \(tokens.count) tokens, \(audit.count) audit records")

        var entries = 0
        for id in Self.withDefault(accounts) {
            var after: Int64?
            while true {
                let page = try await source.usagePage(UsageFilter(accountID: id), afterID: after, limit: 5_000)
                if page.isEmpty { break }
                try await target.applyUsageHere(page.map { entry in
                    var copy = entry
                    copy.id = nil
                    return .record(entry: copy)
                }, replaying: true)
                entries += page.count
                after = page.last?.id
            }
        }
        print("copied \(entries) usage-log entries")
        try await verify(source, target, accounts: accounts, codes: contents.codes.count, users: contents.users.count, entries: entries)
    }

    /// The accounts a usage log can name: the stored ones, and `default`, which exists unsaved.
    private static func withDefault(_ accounts: [String]) -> [String] {
        accounts + (accounts.contains(Account.defaultID) ? [] : [Account.defaultID])
    }

    /// Counts and the usage log's totals, per account and per day, the same on both sides.
    private func verify(_ source: AcctcodesStore, _ target: PostgresStore, accounts: [String], codes: Int, users: Int,
                        entries: Int) async throws {
        var problems: [String] = []
        if try await target.accountIDs() != accounts { problems.append("accounts differ") }
        var targetCodes = 0, targetUsers = 0
        for id in Self.withDefault(accounts) {
            if accounts.contains(id) {
                targetCodes += try await target.codeCount(account: id)
                targetUsers += try await target.users(account: id).count
            }
            let filter = UsageFilter(accountID: id)
            if try await source.usageTotals(filter) != target.usageTotals(filter) { problems.append("account \(id): usage totals per code differ") }
            if try await source.usageDaily(filter) != target.usageDaily(filter) { problems.append("account \(id): usage totals per day differ") }
        }
        if targetCodes != codes { problems.append("codes: \(codes) in the file, \(targetCodes) copied") }
        if targetUsers != users { problems.append("users: \(users) in the file, \(targetUsers) copied") }
        let sourceTokens = try await source.tokens().map { "\($0.id) \($0.hash) \($0.revokedAt == nil)" }
        if try await target.tokens().map({ "\($0.id) \($0.hash) \($0.revokedAt == nil)" }) != sourceTokens { problems.append("tokens differ") }
        guard problems.isEmpty else {
            throw MigrateError(message: "the copy does not match the file:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        print("verified: counts, usage totals per code and per day match; point every server at the new --db")
    }
}

struct MigrateError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
