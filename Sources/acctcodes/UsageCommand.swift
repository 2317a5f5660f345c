import AccountCodes
import Admin
import ArgumentParser
import Foundation
import Store
import StoreCore

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "The usage log: every request, with codes and call times, to bill from.",
        subcommands: [List.self, Export.self, Totals.self, Report.self, Correct.self]
    )

    /// Filters shared by list, export and totals. Dates are UTC days; --to is inclusive.
    struct Filters: ParsableArguments {
        @Option(help: "First day, YYYY-MM-DD (UTC).") var from: String?
        @Option(help: "Last day, YYYY-MM-DD (UTC), included.") var to: String?
        @Option(help: "Only this user's calls.") var user: String?
        @Option(help: "Only calls billed to this code.") var code: String?

        func filter(account: String) throws -> UsageFilter {
            do {
                return try UsageFilter(accountID: account, fromDay: from, toDay: to, user: user, code: code)
            } catch {
                throw ValidationError("--\(error.end) takes a date like 2026-11-01")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List usage-log entries.",
            discussion: "Example: acctcodes usage list --from 2026-11-01 --to 2026-11-30 --user 1001"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @OptionGroup var output: OutputOptions
        @Option(help: "Show at most this many.") var limit: Int?

        func run() async throws {
            let entries = try await admin(store).usage(try filters.filter(account: store.account), afterID: nil, limit: limit ?? Int.max)
            if output.json { return try printJSON(entries) }
            let iso = ISO8601DateFormatter()
            // A PBX column once calls name their PBX (several PBXs on one server).
            let pbx = entries.contains { $0.pbx != nil }
            // The id is what `usage correct` takes; a corrected code is marked with a `*`.
            printTable(["ID", "STARTED"] + (pbx ? ["PBX"] : []) + ["USER", "DIALED", "CLASS", "RESULT", "CODE", "TRIES", "BILLSEC"], entries.map {
                [$0.id.map(String.init) ?? "-", iso.string(from: $0.startedAt)] + (pbx ? [$0.pbxName.isEmpty ? "-" : $0.pbxName] : [])
                    + [$0.user, $0.dialed, $0.callClass, $0.result, ($0.billingCode ?? "-") + ($0.correction == nil ? "" : "*"),
                       String($0.incorrectEntries), $0.billsec.map(String.init) ?? "-"]
            })
            if entries.contains(where: { $0.correction != nil }) { print("* corrected after the call (usage list --json shows by whom and why)") }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export usage-log entries as CSV, in arrival order.",
            discussion: "Example: acctcodes usage export --from 2026-11-01 --to 2026-11-30 --output november.csv"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @Option(help: "File to write (default: standard output).") var output: String?

        func run() async throws {
            let admin = try await admin(store)
            let filter = try filters.filter(account: store.account)
            // Written a page at a time: a year of calls never sits in memory at once.
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) , let opened = FileHandle(forWritingAtPath: output) else {
                    throw ValidationError("cannot write \(output)")
                }
                handle = opened
            } else {
                handle = FileHandle.standardOutput
            }
            defer { if output != nil { try? handle.close() } }
            try await admin.exportUsage(filter) { chunk in try handle.write(contentsOf: Data(chunk.utf8)) }
        }
    }

    struct Totals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calls and billable minutes per code (each call rounded up to a whole minute).",
            discussion: "Example: acctcodes usage totals --from 2026-11-01 --to 2026-11-30 --json"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @OptionGroup var output: OutputOptions
        @Flag(help: "Print CSV instead of a table.") var csv = false

        func run() async throws {
            let totals = try await admin(store).usageTotals(try filters.filter(account: store.account))
            if output.json { return try printJSON(totals) }
            if csv {
                print(CSV.line(["code", "description", "calls", "billsec", "billable_minutes"]), terminator: "")
                for t in totals { print(CSV.line([t.code, t.description, String(t.calls), String(t.billsec), String(t.billableMinutes)]), terminator: "") }
                return
            }
            // A code nobody created (keyed while validation was off, or removed since) says so.
            printTable(["CODE", "DESCRIPTION", "CALLS", "BILLSEC", "MINUTES"], totals.map {
                [$0.code, $0.listed ? $0.description : "(not in the code list)", String($0.calls), String($0.billsec), String($0.billableMinutes)]
            })
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The billing report: billed time and amounts per code or per client for a period.",
            discussion: """
            Each connected call is rounded up to the billing increment, and bills at least the minimum \
            (the account's terms, or the code's own: account set / code set --billing-increment, \
            --billing-minimum, --billing-rate). A call that never connected bills nothing. Amounts are \
            the billed hours at the rate, rounded half up to a hundredth on each line's total.

            Example: acctcodes usage report --from 2026-11-01 --to 2026-11-30 --by client --csv
            """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("A line per code, or per client (the codes of one description).", valueName: "code|client"))
        var by: ReportGrouping = .code
        @Flag(help: "Print CSV instead of a table.") var csv = false

        func run() async throws {
            let report = try await admin(store).usageReport(try filters.filter(account: store.account))
            if output.json { return try printJSON(report) }
            if csv { return print(BillingReportCSV.text(report, by: by), terminator: "") }
            switch by {
            case .code:
                printTable(["CODE", "DESCRIPTION", "CALLS", "BILLSEC", "BILLED", "HOURS", "TERMS", "AMOUNT"], report.codes.map {
                    [$0.code, $0.listed ? $0.description : "(not in the code list)", String($0.calls), String($0.billsec), String($0.billedSeconds),
                     BillingReport.hours($0.billedSeconds), describe($0.terms), $0.amount?.description ?? "-"]
                })
            case .client:
                printTable(["CLIENT", "CODES", "CALLS", "BILLSEC", "BILLED", "HOURS", "AMOUNT"], report.clients.map {
                    [$0.description.isEmpty ? "(no description)" : $0.description, $0.codes.joined(separator: " "), String($0.calls),
                     String($0.billsec), String($0.billedSeconds), BillingReport.hours($0.billedSeconds), $0.amount?.description ?? "-"]
                })
            }
            print("total: \(report.calls) calls, \(BillingReport.hours(report.billedSeconds)) hours billed"
                  + (report.amount.map { ", amount \($0)" } ?? ""))
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or change the code a finished call bills to, with the reason (kept beside the code keyed; audited).",
            discussion: """
            The call keeps the code and tag as they were keyed; totals, reports and exports bill the \
            correction. The code must have the account's length and, while the account validates codes, \
            be one of its codes. --undo bills the call as keyed again. Find the call's id with usage list.

            Example: acctcodes usage correct 1042 --code 0042 --reason "keyed 0024 by mistake, per A. Lee"
            """
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The entry's id (usage list's ID column).") var id: Int64
        @Option(help: "The code the call bills to.") var code: String?
        @Flag(help: "Remove the correction: bill the call as keyed.") var undo = false
        @Option(help: "Why, 1 to 200 characters (in the audit log and beside the call).") var reason: String

        func validate() throws {
            guard (code == nil) != !undo else { throw ValidationError("give either --code or --undo") }
        }

        func run() async throws {
            let entry = try await admin(store).correctUsage(account: store.account, id: id, code: undo ? nil : code, reason: reason)
            print(entry.correction.map { "call \(id) now bills to \($0.code)" } ?? "call \(id) bills as keyed again (\(entry.billingCode ?? "no code"))")
        }
    }
}

extension ReportGrouping: ExpressibleByArgument {}
