import Admin
import ArgumentParser
import Foundation
import Store
import StoreCore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens for the HTTP API: create (shown once), list, revoke.",
        discussion: """
        Roles: operator (every account), account-admin (everything on one account, but not its
        allowed sources), billing (read-only usage log and codes of one account). Only a hash of a
        token is stored: a lost token cannot be shown again; revoke it and create another.
        """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it, once.",
            discussion: "Example: acctcodes token create --name billing-sync --role billing --account acme"
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "What it is for, shown in lists and in the audit log.") var name: String
        @Option(help: "operator, account-admin or billing.") var role: Role

        func run() async throws {
            let created = try await admin(store).createToken(name: name, role: role, account: role == .operator ? nil : store.account)
            print(created.token)
            FileHandle.standardError.write(Data("""
                token \(created.stored.id) (\(role.rawValue)\(created.stored.accountID.map { ", account \($0)" } ?? "")) created; \
                it is shown only now. Use it as: Authorization: Bearer <token>

                """.utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).", discussion: "Example: acctcodes token list")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            let tokens = try await admin(store).tokens().map(TokenView.init)
            if output.json { return try printJSON(tokens) }
            let iso = ISO8601DateFormatter()
            printTable(["ID", "NAME", "ROLE", "ACCOUNT", "CREATED", "REVOKED"], tokens.map {
                [$0.id, $0.name, $0.role, $0.account ?? "*", iso.string(from: $0.createdAt), $0.revokedAt.map(iso.string) ?? "-"]
            })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token: its next request is refused.", discussion: "Example: acctcodes token revoke 3f9a0c21be")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's id (from token list).") var id: String
        func run() async throws {
            let revoked = try await admin(store).revokeToken(id: id)
            print(revoked ? "revoked token \(id)" : "token \(id) was already revoked")
        }
    }
}

extension Role: ExpressibleByArgument {}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log: every change by the CLI or the API, who made it, before and after.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List changes, newest first.",
            discussion: "Example: acctcodes audit list --account acme --limit 20  (--all-accounts for every account)")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Every account's changes, and token changes.") var allAccounts = false
        @Option(help: "Show at most this many.") var limit = 50
        @Option(help: "Only records older than this id (the next page).") var before: Int64?

        func run() async throws {
            let records = try await admin(store).audit(account: allAccounts ? nil : store.account, beforeID: before, limit: limit)
            if output.json { return try printJSON(records) }
            let iso = ISO8601DateFormatter()
            printTable(["ID", "AT", "ACTOR", "ACCOUNT", "ACTION", "TARGET"], records.map {
                [String($0.id ?? 0), iso.string(from: $0.at), $0.actor, $0.accountID, $0.action, $0.target]
            })
        }
    }
}
