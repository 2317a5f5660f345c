import AccountCodes
import Admin
import ArgumentParser
import Foundation
import Store
import StoreCore

struct CodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Manage account codes: the clients or matters calls are billed to.",
        subcommands: [Add.self, Set.self, Remove.self, List.self, Import.self, Export.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a code (exactly the account's code length, digits only).",
            discussion: #"Example: acctcodes code add 0042 --description "Acme v. Widget""#
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        @Option(help: "The client or matter it bills to.") var description = ""
        @Flag(help: "Add it switched off.") var inactive = false
        @OptionGroup var limits: CodeLimitOptions
        @OptionGroup var billing: BillingOptions

        func run() async throws {
            var new = AccountCode(accountID: store.account, code: code, description: description, active: !inactive)
            try limits.apply(to: &new)
            try billing.apply(to: &new)
            try await admin(store).addCode(new)
            print("added code \(code)")
        }
    }

    /// Who may use a code, for which calls, on which days.
    struct CodeLimitOptions: ParsableArguments {
        @Option(help: "Comma list of extensions that may use it; none for no user limit.") var users: String?
        @Option(help: "Comma list of settings groups whose users may use it; none for no group limit.") var groups: String?
        @Option(help: "Highest call class it authorizes: internal, local, national or international; none for any.") var level: String?
        @Option(help: "First day it may be used, YYYY-MM-DD (server's time zone); none to clear.") var validFrom: String?
        @Option(help: "Last day it may be used, YYYY-MM-DD, included; none to clear.") var validUntil: String?

        func apply(to code: inout AccountCode) throws {
            if let users { code.users = users == "none" ? [] : commaList(users) }
            if let groups { code.groups = groups == "none" ? [] : commaList(groups) }
            if let level {
                if level == "none" { code.level = nil } else {
                    guard let value = CallPermission(rawValue: level) else {
                        throw ValidationError("--level takes internal, local, national, international or none")
                    }
                    code.level = value
                }
            }
            if let validFrom { code.validFrom = validFrom == "none" ? nil : validFrom }
            if let validUntil { code.validUntil = validUntil == "none" ? nil : validUntil }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a code's description, limits or billing terms, or switch it on or off.",
            discussion: "Example: acctcodes code set 0042 --active off"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        @Option(help: "The client or matter it bills to.") var description: String?
        @Option(help: "on or off.") var active: Switch?
        @OptionGroup var limits: CodeLimitOptions
        @OptionGroup var billing: BillingOptions

        func run() async throws {
            let admin = try await admin(store)
            var stored = try await admin.code(account: store.account, code: code)
            if let description { stored.description = description }
            if let active { stored.active = active.value }
            try limits.apply(to: &stored)
            try billing.apply(to: &stored)
            try await admin.updateCode(stored)
            print("saved code \(code)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a code.", discussion: "Example: acctcodes code remove 0042")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        func run() async throws {
            try await admin(store).removeCode(account: store.account, code: code)
            print("removed code \(code)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List codes.", discussion: "Example: acctcodes code list --limit 20")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Show at most this many.") var limit: Int?
        @Flag(help: "Only active codes.") var activeOnly = false
        func run() async throws {
            let codes = try await admin(store).codes(account: store.account, activeOnly: activeOnly, limit: limit)
            if output.json { return try printJSON(codes) }
            printTable(["CODE", "ACTIVE", "LIMITS", "DESCRIPTION"], codes.map { [$0.code, $0.active ? "yes" : "no", describe($0), $0.description] })
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import codes from CSV (header code,description,active,users,groups,level,valid_from,valid_until). All or nothing.",
            discussion: """
            Every bad row is named with its line, and then nothing is imported. Existing codes get the
            file's description, active flag and limits. active is 1/0, true/false or yes/no (empty means 1).
            users and groups are names separated by spaces or semicolons; level is internal, local,
            national or international; the days are YYYY-MM-DD. Empty cells mean no limit. A file with
            only code,description,active (an earlier export) keeps existing codes' limits.
            The file must be UTF-8 (a byte-order mark is fine).
            Example: acctcodes code import clients.csv
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "CSV file, or - for standard input.") var file: String

        func run() async throws {
            let summary = try await admin(store).importCodes(account: store.account, csv: try readInput(file))
            print("imported \(summary.added + summary.updated) codes: \(summary.added) added, \(summary.updated) updated")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export codes as CSV (code,description,active,users,groups,level,valid_from,valid_until).",
            discussion: "Example: acctcodes code export --output codes.csv"
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "File to write (default: standard output).") var output: String?
        func run() async throws {
            let csv = try await admin(store).exportCodes(account: store.account)
            try writeOutput(csv, to: output)
        }
    }
}

/// A code's limits in a few words, for `code list`.
func describe(_ code: AccountCode) -> String {
    var parts: [String] = []
    if !code.users.isEmpty { parts.append("users=\(code.users.joined(separator: ","))") }
    if !code.groups.isEmpty { parts.append("groups=\(code.groups.joined(separator: ","))") }
    if let level = code.level { parts.append("level=\(level)") }
    if let from = code.validFrom { parts.append("from=\(from)") }
    if let until = code.validUntil { parts.append("until=\(until)") }
    if let own = code.billing { parts += describe(own) }
    return parts.isEmpty ? "-" : parts.joined(separator: " ")
}

/// A CSV file's text, or standard input's for `-`: UTF-8 only (a byte-order mark is dropped), so a
/// file saved in another encoding is refused with its line instead of imported with mangled names.
func readInput(_ file: String) throws -> String {
    let bytes: [UInt8]
    if file == "-" { bytes = try readStandardInput() } else {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        bytes = [UInt8](data)
    }
    do { return try CSV.decode(bytes) } catch { throw StoreError.importRejected(["\(error)"]) }
}

/// Reads standard input to its end. Foundation's `readDataToEndOfFile` traps on EINTR; this retries.
private func readStandardInput() throws -> [UInt8] {
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        if count > 0 { data += buffer[..<count]; continue }
        if count == 0 { return data }
        if errno == EINTR { continue }
        throw ValidationError("cannot read standard input: \(String(cString: strerror(errno)))")
    }
}

func writeOutput(_ text: String, to path: String?) throws {
    guard let path else { return print(text, terminator: "") }
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
}
