import AccountCodes
import Admin
import Foundation
import HTTPAPI
import Hummingbird
import StoreCore

/// A call's code corrected after the call: the page of one usage-log entry, with the form for
/// those who may correct it (an account admin or operator; a billing user sees the entry only).
extension AdminConsole {
    func addCorrections(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/usage/:id", render: { visit, notice in
            let entry = try await visit.admin.usageEntry(account: visit.account, id: Self.entryID(visit))
            return Self.entryPage(visit, entry, notice: notice)
        }, change: { visit, form in
            let id = try Self.entryID(visit)
            let code = form.value("do") == "undo" ? nil : form.text("code")
            if form.value("do") != "undo", code == nil { throw AdminError(.invalid, "enter the code the call bills to", field: "code") }
            _ = try await visit.admin.correctUsage(account: visit.account, id: id, code: code, reason: form.value("reason") ?? "")
            return Self.redirect("/console/a/\(visit.account)/usage/\(id)?done=corrected")
        })
    }

    static func entryID(_ visit: Visit) throws(AdminError) -> Int64 {
        guard let id = Int64(segment(visit, 4)), id > 0 else { throw AdminError(.notFound, "usage entry not found") }
        return id
    }

    static func entryPage(_ visit: Visit, _ e: UsageEntry, notice: Notice?) -> HTML {
        let account = visit.account
        let canCorrect = visit.principal.may(.correctUsage, account: account)
        func row(_ label: String, _ value: String?) -> HTML { "<tr><th scope=\"row\">\(label)</th><td>\(value ?? "")</td></tr>" }
        let correction: HTML = e.correction.map { c in
            """
            <p class="notice warning" id="correction">Billed to <strong>\(c.code)</strong> since \(Self.time(c.at)), corrected by \(c.by):
            \(c.reason)</p>
            """
        } ?? ""
        let form: HTML = canCorrect ? """
            <section><h2>Correct the code</h2>
            <p class="from">The call keeps the code as it was keyed; totals, the billing report and exports bill the correction,
            and the audit log records it.</p>
            <form method="post">\(Layout.csrfField(visit))
            <label>Code the call bills to<br><input type="text" name="code" id="correct-code" inputmode="numeric" size="8"
              value="\(notice.entered("code") ?? e.correction?.code ?? "")"\(notice.invalid("code"))></label>\(notice.message(for: "code"))
            <label>Why<br><input type="text" name="reason" id="correct-reason" size="60" maxlength="200" required
              value="\(notice.entered("reason"))"\(notice.invalid("reason"))></label>\(notice.message(for: "reason"))
            <button id="correct">Save correction</button>
            \(e.correction == nil ? HTML("") : HTML("<button name=\"do\" value=\"undo\" class=\"secondary\" id=\"undo-correction\">Bill as keyed</button>"))
            </form></section>
            """ : ""
        return Layout.page("Call \(e.uniqueID)", visit: visit, account: account, current: "usage", notice: notice, """
            \(correction)<section><table class="facts">
            \(row("Started", Self.time(e.startedAt)))\(row("User", e.user))\(row("Dialed", e.dialed))\(row("Class", e.callClass))
            \(row("Result", "\(e.result) (\(e.reason))"))\(row("Code keyed", e.code))\(row("Code tagged", e.tagCode))
            \(row("Billed to", e.billingCode))\(row("Billable seconds", e.billsec.map(String.init)))\(row("PBX", e.pbx))
            \(row("Transferred to", e.transferTo.map { to in e.transferredAt.map { "\(to) at \(Self.time($0))" } ?? to }))
            </table></section>\(form)
            <p><a class="button secondary" href="/console/a/\(account)/usage">Back to the Usage Log</a></p>
            """)
    }
}
