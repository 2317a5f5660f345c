import AccountCodes
import Admin
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import NIOCore
import Store
import StoreCore

/// The Usage Log: a period and filters, totals per code with charts (what the firm bills from),
/// the entries a page at a time, and the CSV export of exactly what is filtered.
extension AdminConsole {
    static let usagePageSize = 50

    struct UsageQuery: Sendable {
        var from: String
        var to: String
        var user: String?
        var code: String?

        /// The last 30 days (UTC) unless the form says otherwise; nil: those defaults alone.
        init(_ visit: Visit?, today: Date = Date()) {
            to = visit?.query("to") ?? Self.day(today)
            from = visit?.query("from") ?? Self.day(today.addingTimeInterval(-29 * 86_400))
            user = visit?.query("user")
            code = visit?.query("code")
        }

        static func day(_ date: Date) -> String { String(UsageCSV.time(date).prefix(10)) }

        func filter(account: String) throws(AdminError) -> UsageFilter {
            do {
                return try UsageFilter(accountID: account, fromDay: from, toDay: to, user: user, code: code)
            } catch {
                throw AdminError(.invalid, "\(error.end == "from" ? "From" : "To") takes a day like 2026-11-30", field: error.end)
            }
        }

        /// The same filter as a query string, for the export and the next page.
        var queryString: String {
            var parts = ["from=\(from)", "to=\(to)"]
            if let user { parts.append("user=\(Self.encode(user))") }
            if let code { parts.append("code=\(Self.encode(code))") }
            return parts.joined(separator: "&")
        }

        static func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        }
    }

    func addUsage(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/usage", render: { visit, notice in
            var query = UsageQuery(visit)
            let filter: UsageFilter
            var notice = notice
            do {
                filter = try query.filter(account: visit.account)
            } catch let error as AdminError {
                notice = .error(error)
                query = UsageQuery(nil)
                filter = try query.filter(account: visit.account)
            }
            let before = visit.query("before").flatMap { Int64($0) }
            let admin = visit.admin
            let entries = try await admin.usageNewestFirst(filter, beforeID: before, limit: Self.usagePageSize + 1)
            let listed = try await admin.listedCodes(account: filter.accountID, among: Set(entries.compactMap(\.billingCode)))
            let (totals, report) = try await admin.usageTotalsAndReport(filter)
            let days = try await admin.usageDaily(filter)
            return Self.usagePage(visit, query: query, totals: totals, days: days, report: report, entries: entries, listed: listed,
                                  notice: notice)
        })
        // Streamed a page at a time, like the API's export.
        file(router, "/console/a/:account/usage.csv", title: "Usage Log") { [pageRunner] visit in
            let admin = visit.admin
            let filter = try UsageQuery(visit).filter(account: visit.account)
            try admin.authorize(.readUsage, account: visit.account)
            return ("usage-\(visit.account).csv", ResponseBody { writer in
                try await admin.exportUsage(filter, runPage: pageRunner) { chunk in try await writer.write(ByteBuffer(string: chunk)) }
                try await writer.finish(nil)
            })
        }
    }

    static func usagePage(_ visit: Visit, query: UsageQuery, totals: [CodeTotal], days: [DayTotal], report: BillingReport,
                          entries: [UsageEntry], listed: Set<String>, notice: Notice?) -> HTML {
        let account = visit.account
        let unlisted: HTML = "<span class=\"tag warn\" title=\"Not in the account's code list\">not in list</span>"
        let totalRows = totals.map { t -> [HTML] in
            ["\(t.code)\(t.listed ? "" : unlisted)", "\(t.description)", "<span class=\"num\">\(t.calls)</span>",
             "<span class=\"num\">\(t.billableMinutes)</span>"]
        }
        let anyUnlisted = totals.contains { !$0.listed }
        let byCode = Chart.bars(totals.sorted { $0.billableMinutes > $1.billableMinutes }.prefix(15).map { ($0.code, $0.billableMinutes) },
                                unit: "billable minutes", title: "Billable minutes per code")
        let perDay = Chart.columns(days.map { ($0.day, $0.calls) }, unit: "calls", title: "Calls per day")
        let shown = entries.prefix(usagePageSize)
        // The PBX column only where calls name their PBX: a site with one PBX has nothing to show.
        let showsPBX = shown.contains { $0.pbx != nil }
        let rows = shown.map { e -> [HTML] in
            let code: HTML = e.billingCode.map { c in listed.contains(c) ? "\(c)" : "\(c)\(unlisted)" } ?? ""
            let corrected: HTML = e.correction == nil ? "" : "<span class=\"tag\" title=\"Corrected after the call\">corrected</span>"
            let transferred: HTML = e.transferTo.map { to in "<span class=\"tag\" title=\"The caller handed the outside party to \(to)\">transferred</span>" } ?? ""
            let started: HTML = e.id.map { id in "<a href=\"/console/a/\(account)/usage/\(Int(id))\">\(Self.time(e.startedAt))</a>" }
                ?? "\(Self.time(e.startedAt))"
            return [started] + (showsPBX ? ["\(e.pbxName)"] : []) + ["\(e.user)", "\(e.dialed)", "\(e.callClass)",
                    "\(e.result)", "<span class=\"num\">\(e.incorrectEntries)</span>", "\(e.reason)", "\(code)\(corrected)\(transferred)",
                    "<span class=\"num\">\(e.billsec.map(String.init) ?? "")</span>"]
        }
        let columns = ["Started"] + (showsPBX ? ["PBX"] : []) + ["User", "Dialed", "Class", "Result", "Tries", "Reason", "Code", "Billable s"]
        let next: HTML = entries.count > usagePageSize
            ? "<p><a class=\"button secondary\" id=\"next-page\" href=\"/console/a/\(account)/usage?\(query.queryString)&before=\(Int(shown.last?.id ?? 0))\">Older calls</a></p>"
            : ""
        let warning: HTML = anyUnlisted ? """
            <p class="notice warning" id="unlisted-warning">Some calls were billed to codes that are not in the code list (marked
            <em>not in list</em>): they were keyed while "Validate account codes when dialed" was off, or the code was removed since.</p>
            """ : ""
        return Layout.page("Usage Log", visit: visit, account: account, current: "usage", notice: notice, """
            <form method="get" class="row"><label>From<br><input type="date" name="from" value="\(query.from)"></label>
            <label>To<br><input type="date" name="to" value="\(query.to)"></label>
            <label>User<br><input type="text" name="user" value="\(query.user)" size="8"></label>
            <label>Code<br><input type="text" name="code" value="\(query.code)" size="8" inputmode="numeric"></label>
            <button class="secondary">Show</button>
            <a class="button secondary" id="export" href="/console/a/\(account)/usage.csv?\(query.queryString)" download>Export CSV</a></form>
            <p class="from">Days are UTC; both ends are included. Billable minutes round each call up to a whole minute.</p>
            <section><h2>Totals per code</h2>\(warning)\(byCode)
            \(Layout.table(["Code", "Description", "Calls", "Billable minutes"], totalRows, empty: "No calls with a code in this period."))</section>
            \(reportSection(visit, report, query: query))
            <section><h2>Calls per day</h2>\(perDay.text.isEmpty ? HTML("<p class=\"empty\">No calls in this period.</p>") : perDay)</section>
            <section><h2>Calls</h2><p class="from">Newest first. Tries: incorrect codes keyed on the call. Open a call (its start
            time) to see it whole\(visit.principal.may(.correctUsage, account: account) ? " or correct its code" : "").</p>
            \(Layout.table(columns, rows,
                           empty: "No calls match.", caption: "Calls, newest first"))\(next)</section>
            """)
    }
}
