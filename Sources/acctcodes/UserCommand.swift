import AccountCodes
import Admin
import ArgumentParser
import Store
import StoreCore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users (extensions): group, account codes on or off, custom settings.",
        subcommands: [Add.self, Set.self, Enable.self, Disable.self, Unlock.self, Reset.self, Remove.self, List.self, Import.self, Export.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. Account codes start disabled unless --enabled is given.",
            discussion: "Example: acctcodes user add 1001 --name Alice --group paralegals --enabled"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's extension.") var ext: String
        @Option(help: "Display name.") var name = ""
        @Option(help: "Settings group.") var group: String?
        @Flag(help: "Turn account codes on for this user now.") var enabled = false
        @OptionGroup var overrides: OverrideOptions

        func run() async throws {
            var user = User(accountID: store.account, extensionNumber: ext)
            user.name = name
            user.group = group
            user.enabled = enabled
            try overrides.apply(to: &user.overrides)
            try await admin(store).saveUser(user, create: true)
            print("added user \(ext)\(enabled ? "" : " (account codes disabled: acctcodes user enable \(ext))")")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's name, group or custom settings.",
            discussion: """
            "proceed after max retries" can be on for a user only when it is on for the account.
            Example: acctcodes user set 1001 --group none --collection required --entry-timeout 8
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's extension.") var ext: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Settings group, or none.") var group: String?
        @OptionGroup var overrides: OverrideOptions

        func run() async throws {
            let admin = try await admin(store)
            var user = try await admin.user(account: store.account, extension: ext)
            if let name { user.name = name }
            if let group { user.group = group == "none" ? nil : group }
            try overrides.apply(to: &user.overrides)
            try await admin.saveUser(user, create: false)
            print("saved user \(ext)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn account codes on for users.", discussion: "Example: acctcodes user enable 1001 1002")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Extensions.") var exts: [String]
        func run() async throws { try await setEnabled(store, exts, true) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn account codes off for users.", discussion: "Example: acctcodes user disable 1001")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Extensions.") var exts: [String]
        func run() async throws { try await setEnabled(store, exts, false) }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a user's lockout (too many incorrect codes) and forget their incorrect entries.",
            discussion: "Example: acctcodes user unlock 1001")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's extension.") var ext: String
        func run() async throws { try await unlock(store, .user(ext)) }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user's custom settings: they follow their group and the account again.",
            discussion: "Example: acctcodes user reset 1001"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's extension.") var ext: String
        func run() async throws {
            let admin = try await admin(store)
            var user = try await admin.user(account: store.account, extension: ext)
            user.overrides = SettingsOverrides()
            try await admin.saveUser(user, create: false, action: "user.reset")
            print("reset user \(ext) to group and account settings")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user.", discussion: "Example: acctcodes user remove 1001")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's extension.") var ext: String
        func run() async throws {
            try await admin(store).removeUser(account: store.account, extension: ext)
            print("removed user \(ext)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's users.", discussion: "Example: acctcodes user list")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            let users = try await admin(store).users(account: store.account)
            if output.json { return try printJSON(users) }
            printTable(["EXTENSION", "NAME", "GROUP", "CODES", "CUSTOM SETTINGS"], users.map {
                [$0.extensionNumber, $0.name, $0.group ?? "-", $0.enabled ? "on" : "off", describe($0.overrides)]
            })
        }
    }
}

extension UserCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import users from CSV with the header extension,name,group,enabled. All or nothing.",
            discussion: """
            Every bad row is named with its line, and then nothing is imported. Existing users get the
            file's name, group and enabled flag and keep their custom settings. Groups must exist.
            enabled is 1/0, true/false or yes/no; empty means off, as for any new user.
            Example: acctcodes user import staff.csv
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "CSV file, or - for standard input.") var file: String

        func run() async throws {
            let summary = try await admin(store).importUsers(account: store.account, csv: try readInput(file))
            print("imported \(summary.added + summary.updated) users: \(summary.added) added, \(summary.updated) updated")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export users as CSV (extension,name,group,enabled).",
            discussion: "Example: acctcodes user export --output staff.csv"
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "File to write (default: standard output).") var output: String?
        func run() async throws {
            let csv = try await admin(store).exportUsers(account: store.account)
            try writeOutput(csv, to: output)
        }
    }
}

func setEnabled(_ store: StoreOptions, _ exts: [String], _ enabled: Bool) async throws {
    let admin = try await admin(store)
    for ext in exts {
        try await admin.setUserEnabled(account: store.account, extension: ext, enabled)
        print("\(enabled ? "enabled" : "disabled") account codes for \(ext)")
    }
}
