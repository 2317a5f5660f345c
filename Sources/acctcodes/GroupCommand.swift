import AccountCodes
import Admin
import ArgumentParser
import Store
import StoreCore

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Manage settings groups: overrides of the account's settings and a call permission.",
        subcommands: [Add.self, Set.self, Remove.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a settings group.",
            discussion: """
            --permission is the highest class its users may call without a code: internal < local < national
            < international. A call above it needs a valid code, whatever the other settings say.
            Example: acctcodes group add paralegals --permission local --collection required
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "Group name.") var name: String
        @Option(help: "internal, local, national or international (default: international, no limit).")
        var permission: CallPermission = .international
        @OptionGroup var overrides: OverrideOptions

        func run() async throws {
            var group = SettingsGroup(accountID: store.account, name: name)
            group.permission = permission
            try overrides.apply(to: &group.overrides)
            try await admin(store).saveGroup(group, create: true)
            print("added group \(name)")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a group's permission or overrides.",
            discussion: "Example: acctcodes group set paralegals --collection inherit --permission national"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "Group name.") var name: String
        @Option(help: "internal, local, national or international.") var permission: CallPermission?
        @OptionGroup var overrides: OverrideOptions

        func run() async throws {
            let admin = try await admin(store)
            var group = try await admin.group(account: store.account, name: name)
            if let permission { group.permission = permission }
            try overrides.apply(to: &group.overrides)
            try await admin.saveGroup(group, create: false)
            print("saved group \(name)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a group; its users stay, with no group.",
            discussion: "Example: acctcodes group remove paralegals"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "Group name.") var name: String

        func run() async throws {
            let moved = try await admin(store).removeGroup(account: store.account, name: name)
            print("removed group \(name); \(moved) users now have no group")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's groups.", discussion: "Example: acctcodes group list --json")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let groups = try await admin(store).groups(account: store.account)
            if output.json { return try printJSON(groups) }
            printTable(["GROUP", "PERMISSION", "OVERRIDES"], groups.map { [$0.name, $0.permission.rawValue, describe($0.overrides)] })
        }
    }
}
