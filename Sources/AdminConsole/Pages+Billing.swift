import AccountCodes
import Admin
import Foundation
import HTTPAPI
import Hummingbird
import NIOCore
import StoreCore

/// Billing (issue 24): the account's terms on Account Codes, a code's own on its page, and the
/// billing report on the Usage Log, with a printable page and CSV for the firm's clients.
extension AdminConsole {
    func addBillingReport(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/usage/report", render: { visit, notice in
            let query = UsageQuery(visit)
            let report = try await visit.admin.usageReport(try query.filter(account: visit.account))
            let account = try? await visit.admin.account(visit.account)
            return Self.printableReport(visit, report, query: query, accountName: account?.name ?? "", notice: notice)
        })
        file(router, "/console/a/:account/usage/report.csv", title: "Billing report") { visit in
            let query = UsageQuery(visit)
            let grouping = visit.query("by").flatMap(ReportGrouping.init(rawValue:)) ?? .code
            let report = try await visit.admin.usageReport(try query.filter(account: visit.account))
            return ("billing-\(visit.account)-\(query.from)-\(query.to)-\(grouping.rawValue).csv",
                    ResponseBody(byteBuffer: ByteBuffer(string: BillingReportCSV.text(report, by: grouping))))
        }
    }

    // MARK: The account's terms

    /// The account's terms on its own form: saving them asks nothing of the users.
    static func billingSection(_ visit: Visit, _ account: Account, notice: Notice?) -> HTML {
        let terms = account.billingTerms
        return """
            <form method="post" id="billing-form">\(Layout.csrfField(visit))<input type="hidden" name="step" value="billing">
            <section><h2>Billing</h2>
            <p class="from">How the Usage Log's billing report bills connected time. Each connected call is rounded up to the
            increment and bills at least the minimum; a call that never connected bills nothing. A code can have terms of its own.</p>
            <div class="row">
            <label>Increment (seconds)<br><input type="number" name="billingIncrement" id="billingIncrement" min="1" max="86400"
              value="\(notice.entered("billingIncrement") ?? String(terms.increment))"\(notice.invalid("billingIncrement"))></label>
            <label>Minimum per call (seconds)<br><input type="number" name="billingMinimum" id="billingMinimum" min="0" max="86400"
              value="\(notice.entered("billingMinimum") ?? String(terms.minimum))"\(notice.invalid("billingMinimum"))></label>
            <label>Rate per hour<br><input type="text" name="billingRate" id="billingRate" inputmode="decimal" size="10"
              value="\(notice.entered("billingRate") ?? terms.rate?.description ?? "")" placeholder="none"\(notice.invalid("billingRate"))></label>
            </div>\(notice.message(for: "billingIncrement"))\(notice.message(for: "billingMinimum"))\(notice.message(for: "billingRate"))
            <p class="hint">1 bills to the second; 360 is a tenth of an hour, 60 a minute. Leave the rate empty for time only.</p>
            <button id="save-billing">Save billing</button></section></form>
            """
    }

    /// The billing form onto the account's terms.
    static func applyBilling(_ form: Form, to account: inout Account) throws(AdminError) {
        var terms = account.billingTerms
        terms.increment = try number(form, "billingIncrement", in: BillingTerms.increments, "The billing increment")
        terms.minimum = try number(form, "billingMinimum", in: BillingTerms.minimums, "The billing minimum")
        terms.rate = try money(form, "billingRate")
        account.billing = terms
    }

    /// An amount field: empty for none.
    static func money(_ form: Form, _ name: String) throws(AdminError) -> Money? {
        guard let text = form.text(name) else { return nil }
        guard let value = Money(text) else {
            throw AdminError(.invalid, "the rate is an amount with up to two decimals, such as 350.00", field: name)
        }
        return value
    }

    // MARK: A code's own terms

    static func codeBillingFields(_ code: AccountCode, disabled: HTML) -> HTML {
        let own = code.billing ?? BillingOverrides()
        return """
            <section><h2>Billing</h2><p class="from">Leave empty to bill by the account's terms.</p><div class="row">
            <label>Increment (seconds)<br><input type="number" name="billingIncrement" id="code-billingIncrement" min="1" max="86400"
              value="\(own.increment.map(String.init))"\(disabled)></label>
            <label>Minimum per call (seconds)<br><input type="number" name="billingMinimum" id="code-billingMinimum" min="0" max="86400"
              value="\(own.minimum.map(String.init))"\(disabled)></label>
            <label>Rate per hour<br><input type="text" name="billingRate" id="code-billingRate" inputmode="decimal" size="10"
              value="\(own.rate?.description)"\(disabled)></label></div></section>
            """
    }

    static func applyCodeBilling(_ form: Form, to code: inout AccountCode) throws(AdminError) {
        var own = BillingOverrides()
        if form.text("billingIncrement") != nil {
            own.increment = try number(form, "billingIncrement", in: BillingTerms.increments, "The billing increment")
        }
        if form.text("billingMinimum") != nil {
            own.minimum = try number(form, "billingMinimum", in: BillingTerms.minimums, "The billing minimum")
        }
        own.rate = try money(form, "billingRate")
        code.billing = own.isEmpty ? nil : own
    }

    // MARK: The report

    /// The report's section on the Usage Log: per client, then per code, with the printable page and CSV.
    static func reportSection(_ visit: Visit, _ report: BillingReport, query: UsageQuery) -> HTML {
        let account = visit.account
        return """
            <section id="billing-report"><h2>Billing report</h2>
            <p class="from">Billed time by the account's billing terms and each code's own (see Account Codes). Hours have two decimals.</p>
            \(clientTable(report))
            <p><a class="button secondary" id="printable-report" href="/console/a/\(account)/usage/report?\(query.queryString)">Printable report</a>
            <a class="button secondary" id="report-csv" href="/console/a/\(account)/usage/report.csv?\(query.queryString)&by=code" download>Report CSV by code</a>
            <a class="button secondary" id="report-csv-clients" href="/console/a/\(account)/usage/report.csv?\(query.queryString)&by=client" download>by client</a></p>
            </section>
            """
    }

    static func clientTable(_ report: BillingReport) -> HTML {
        let hasAmounts = report.amount != nil
        let rows = report.clients.map { c -> [HTML] in
            ["\(c.description.isEmpty ? "(no description)" : c.description)", "\(c.codes.joined(separator: ", "))",
             "<span class=\"num\">\(c.calls)</span>", "<span class=\"num\">\(BillingReport.hours(c.billedSeconds))</span>"]
                + (hasAmounts ? ["<span class=\"num\">\(c.amount?.description ?? "")</span>"] : [])
        }
        let total: [[HTML]] = report.clients.isEmpty ? [] : [["<strong>Total</strong>", "", "<span class=\"num\"><strong>\(report.calls)</strong></span>",
                    "<span class=\"num\"><strong>\(BillingReport.hours(report.billedSeconds))</strong></span>"]
                    + (hasAmounts ? ["<span class=\"num\"><strong>\(report.amount?.description ?? "")</strong></span>"] : [])]
        return Layout.table(["Client", "Codes", "Calls", "Hours billed"] + (hasAmounts ? ["Amount"] : []), rows + total,
                            empty: "No calls with a code in this period.", caption: "Billed time per client")
    }

    static func codeTable(_ report: BillingReport) -> HTML {
        let hasAmounts = report.amount != nil
        let rows = report.codes.map { l -> [HTML] in
            let terms = l.terms
            let rule = (terms.increment == 1 ? "to the second" : "\(terms.increment) s") + (terms.minimum > 0 ? ", min \(terms.minimum) s" : "")
            let unlisted: HTML = l.listed ? "" : "<span class=\"tag warn\" title=\"Not in the account's code list\">not in list</span>"
            return ["\(l.code)\(unlisted)", "\(l.description)", "<span class=\"num\">\(l.calls)</span>",
                    "<span class=\"num\">\(l.billsec)</span>", "\(rule)", "<span class=\"num\">\(BillingReport.hours(l.billedSeconds))</span>"]
                + (hasAmounts ? ["<span class=\"num\">\(l.terms.rate?.description ?? "")</span>", "<span class=\"num\">\(l.amount?.description ?? "")</span>"] : [])
        }
        return Layout.table(["Code", "Description", "Calls", "Connected s", "Rounding", "Hours billed"] + (hasAmounts ? ["Rate", "Amount"] : []),
                            rows, empty: "No calls with a code in this period.", caption: "Billed time per code")
    }

    /// The page a firm prints or saves as PDF for its clients: no menus when printed.
    static func printableReport(_ visit: Visit, _ report: BillingReport, query: UsageQuery, accountName: String, notice: Notice?) -> HTML {
        let account = visit.account
        let title = accountName.isEmpty ? account : accountName
        return Layout.page("Billing report", visit: visit, account: account, current: "usage", notice: notice, """
            <p class="report-head"><strong>\(title)</strong> · \(query.from) to \(query.to) (UTC days, both included)\(query.user.map { HTML(" · user \($0)") } ?? "")\(query.code.map { HTML(" · code \($0)") } ?? "")</p>
            <p class="no-print"><button type="button" class="secondary" id="print" data-print>Print</button>
            <a class="button secondary" href="/console/a/\(account)/usage?\(query.queryString)">Back to the Usage Log</a></p>
            <section><h2>Per client</h2>\(clientTable(report))</section>
            <section><h2>Per code</h2>\(codeTable(report))</section>
            <p class="from">Each connected call is rounded up to its code's increment and bills at least its minimum; a call that
            never connected bills nothing. Amounts are the billed hours at the rate, rounded to a hundredth on each line.</p>
            """)
    }
}
