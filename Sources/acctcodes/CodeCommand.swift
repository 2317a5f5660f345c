import AccountCodes
import ArgumentParser
import Foundation
import Store

struct CodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Manage account codes: the clients or matters calls are billed to.",
        subcommands: [Add.self, Set.self, Remove.self, List.self, Import.self, Export.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a code (exactly the account's code length, digits only).",
            discussion: #"Example: acctcodes code add 0042 --description "Acme v. Widget""#
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        @Option(help: "The client or matter it bills to.") var description = ""
        @Flag(help: "Add it switched off.") var inactive = false

        func run() throws {
            try store.open().addCode(AccountCode(accountID: store.account, code: code, description: description, active: !inactive))
            print("added code \(code)")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a code's description or switch it on or off.",
            discussion: "Example: acctcodes code set 0042 --active off"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        @Option(help: "The client or matter it bills to.") var description: String?
        @Option(help: "on or off.") var active: Switch?

        func run() throws {
            let db = try store.open()
            guard var stored = try db.code(account: store.account, code: code) else { throw StoreError.notFound("code \(code)") }
            if let description { stored.description = description }
            if let active { stored.active = active.value }
            try db.updateCode(stored)
            print("saved code \(code)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a code.", discussion: "Example: acctcodes code remove 0042")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The code's digits.") var code: String
        func run() throws {
            try store.open().removeCode(account: store.account, code: code)
            print("removed code \(code)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List codes.", discussion: "Example: acctcodes code list --limit 20")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Show at most this many.") var limit: Int?
        @Flag(help: "Only active codes.") var activeOnly = false
        func run() throws {
            let codes = try store.open().codes(account: store.account, activeOnly: activeOnly, limit: limit)
            if output.json { return try printJSON(codes) }
            printTable(["CODE", "ACTIVE", "DESCRIPTION"], codes.map { [$0.code, $0.active ? "yes" : "no", $0.description] })
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import codes from CSV with the header code,description,active. All or nothing.",
            discussion: """
            Every bad row is named with its line, and then nothing is imported. Existing codes get the
            file's description and active flag. active is 1/0, true/false or yes/no (empty means 1).
            Example: acctcodes code import clients.csv
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "CSV file, or - for standard input.") var file: String

        func run() throws {
            let summary = try store.open().importCodes(account: store.account, csv: try readInput(file))
            print("imported \(summary.added + summary.updated) codes: \(summary.added) added, \(summary.updated) updated")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export codes as CSV (code,description,active).",
            discussion: "Example: acctcodes code export --output codes.csv"
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "File to write (default: standard output).") var output: String?
        func run() throws {
            try writeOutput(try store.open().exportCodes(account: store.account), to: output)
        }
    }
}

/// A file's text, or standard input for `-`.
func readInput(_ file: String) throws -> String {
    if file == "-" { return try readStandardInput() }
    guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
    return String(decoding: data, as: UTF8.self)
}

/// Reads standard input to its end. Foundation's `readDataToEndOfFile` traps on EINTR; this retries.
private func readStandardInput() throws -> String {
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        if count > 0 { data += buffer[..<count]; continue }
        if count == 0 { return String(decoding: data, as: UTF8.self) }
        if errno == EINTR { continue }
        throw ValidationError("cannot read standard input: \(String(cString: strerror(errno)))")
    }
}

func writeOutput(_ text: String, to path: String?) throws {
    guard let path else { return print(text, terminator: "") }
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
}
