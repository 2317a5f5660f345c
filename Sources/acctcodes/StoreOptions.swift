import AccountCodes
import Admin
import ArgumentParser
import Foundation
import Logging
import PostgresStore
import Store
import StoreCore

/// Where the database is and which account a command works on.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("SQLite database file, or postgres://USER@HOST:PORT/DB (password from $PGPASSWORD or --db-password-file). Default: $ACCTCODES_DB, else ./acctcodes.sqlite.", valueName: "path-or-url"))
    var db: String?

    @Option(help: ArgumentHelp("File holding the PostgreSQL password (instead of $PGPASSWORD).", valueName: "path"))
    var dbPasswordFile: String?

    @Option(help: ArgumentHelp("Account (tenant) to work on.", valueName: "id"))
    var account = "default"

    var path: String { db ?? ProcessInfo.processInfo.environment["ACCTCODES_DB"] ?? "acctcodes.sqlite" }

    /// The SQLite file or the PostgreSQL database. A command's PostgreSQL connections close
    /// with the process.
    /// `callPath`: the command reads calls' facts (explain), so a PostgreSQL store loads its
    /// copy of the settings; other commands read the database only.
    func open(callPath: Bool = false) async throws -> any AdminStore {
        if PostgresLocation.isPostgres(path) {
            // An operator's command may wait longer than a call for a busy database.
            return try await PostgresStore.open(try PostgresLocation(path, passwordFile: dbPasswordFile), deadline: .seconds(30),
                                                callPath: callPath, logger: Logger(label: "acctcodes.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        return try AcctcodesStore(path: path)
    }
}

/// The application layer as the CLI uses it: an operator named after the user who ran it, in
/// the audit log. Whoever can open the database can change anything in it anyway.
func admin(_ store: StoreOptions, callPath: Bool = false) async throws -> Admin {
    Admin(store: try await store.open(callPath: callPath), principal: .commandLine(user: commandLineUser()))
}

func commandLineUser() -> String {
    let environment = ProcessInfo.processInfo.environment
    if let name = environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"], !name.isEmpty {
        return name.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
    }
    return "uid\(getuid())"
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// `on`, `off` or `inherit` (clear the override) for a setting at group or user level.
enum Toggle: String, ExpressibleByArgument, CaseIterable {
    case on, off, inherit
    var value: Bool? { self == .inherit ? nil : self == .on }
}

/// `on` or `off` for an account-level switch.
enum Switch: String, ExpressibleByArgument, CaseIterable {
    case on, off
    var value: Bool { self == .on }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Left-aligned columns, for lists.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces))
    }
}

func onOff(_ value: Bool) -> String { value ? "on" : "off" }

/// List option values: `415,628` (see `NameList`).
func commaList(_ text: String) -> [String] { NameList.split(text) }
