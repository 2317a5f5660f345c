import ArgumentParser
import Foundation
import Store

struct UsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "The usage log: every request, with codes and call times, to bill from.",
        subcommands: [List.self, Export.self, Totals.self]
    )

    /// Filters shared by list, export and totals. Dates are UTC days; --to is inclusive.
    struct Filters: ParsableArguments {
        @Option(help: "First day, YYYY-MM-DD (UTC).") var from: String?
        @Option(help: "Last day, YYYY-MM-DD (UTC), included.") var to: String?
        @Option(help: "Only this user's calls.") var user: String?
        @Option(help: "Only calls billed to this code.") var code: String?

        func filter(account: String, limit: Int? = nil) throws -> UsageFilter {
            UsageFilter(accountID: account, from: try from.map { try day($0, "--from") },
                        to: try to.map { try day($0, "--to").addingTimeInterval(86_400) }, user: user, code: code, limit: limit)
        }

        func day(_ text: String, _ option: String) throws -> Date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            guard let date = formatter.date(from: text) else { throw ValidationError("\(option) takes a date like 2026-11-01") }
            return date
        }
    }

    static let csvHeader = ["started_at", "route", "user", "caller_id", "dialed", "class", "asked", "incorrect_entries", "result",
                            "reason", "code", "tag_code", "uniqueid", "linkedid", "channel", "ended_at", "disposition", "duration", "billsec"]

    static func csvFields(_ e: UsageEntry) -> [String] {
        let iso = ISO8601DateFormatter()
        return [iso.string(from: e.startedAt), e.route, e.user, e.callerID, e.dialed, e.callClass, e.asked, String(e.incorrectEntries),
                e.result, e.reason, e.code ?? "", e.tagCode ?? "", e.uniqueID, e.linkedID, e.channel,
                e.endedAt.map(iso.string) ?? "", e.disposition ?? "", e.duration.map(String.init) ?? "", e.billsec.map(String.init) ?? ""]
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List usage-log entries.",
            discussion: "Example: acctcodes usage list --from 2026-11-01 --to 2026-11-30 --user 1001"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @OptionGroup var output: OutputOptions
        @Option(help: "Show at most this many.") var limit: Int?

        func run() throws {
            let entries = try store.open().usage(try filters.filter(account: store.account, limit: limit))
            if output.json { return try printJSON(entries) }
            let iso = ISO8601DateFormatter()
            printTable(["STARTED", "USER", "DIALED", "CLASS", "RESULT", "CODE", "TRIES", "BILLSEC"], entries.map {
                [iso.string(from: $0.startedAt), $0.user, $0.dialed, $0.callClass, $0.result, $0.billingCode ?? "-",
                 String($0.incorrectEntries), $0.billsec.map(String.init) ?? "-"]
            })
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export usage-log entries as CSV.",
            discussion: "Example: acctcodes usage export --from 2026-11-01 --to 2026-11-30 --output november.csv"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @Option(help: "File to write (default: standard output).") var output: String?

        func run() throws {
            let entries = try store.open().usage(try filters.filter(account: store.account))
            var text = CSV.line(UsageCommand.csvHeader)
            for entry in entries { text += CSV.line(UsageCommand.csvFields(entry)) }
            try writeOutput(text, to: output)
        }
    }

    struct Totals: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calls and billable minutes per code (each call rounded up to a whole minute).",
            discussion: "Example: acctcodes usage totals --from 2026-11-01 --to 2026-11-30 --json"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @OptionGroup var output: OutputOptions
        @Flag(help: "Print CSV instead of a table.") var csv = false

        func run() throws {
            let totals = try store.open().usageTotals(try filters.filter(account: store.account))
            if output.json { return try printJSON(totals) }
            if csv {
                print(CSV.line(["code", "description", "calls", "billsec", "billable_minutes"]), terminator: "")
                for t in totals { print(CSV.line([t.code, t.description, String(t.calls), String(t.billsec), String(t.billableMinutes)]), terminator: "") }
                return
            }
            printTable(["CODE", "DESCRIPTION", "CALLS", "BILLSEC", "MINUTES"], totals.map {
                [$0.code, $0.description, String($0.calls), String($0.billsec), String($0.billableMinutes)]
            })
        }
    }
}
