import AccountCodes
import Admin
import HTTPAPI
import Hummingbird
import Store
import StoreCore

/// Codes: search, add, edit (description, active, limits), CSV import (all or nothing, every bad
/// line shown) and export.
extension AdminConsole {
    /// Rows a list shows at most; the search narrows an account of a million codes.
    static let codeListLimit = 200

    func addCodes(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/codes", render: { visit, notice in
            let query = visit.query("q")
            let codes = try await visit.admin.codes(account: visit.account, matching: query, limit: Self.codeListLimit + 1)
            let rules = await CodeRules.read(visit.admin, account: visit.account)
            return Self.codesPage(visit, codes, rules: rules, query: query, notice: notice)
        }, change: { visit, form in
            let account = visit.account
            if form.value("do") == "import" {
                let csv = form.value("csv") ?? ""
                guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw AdminError(.invalid, "choose a CSV file or paste its lines", field: "csv")
                }
                _ = try await visit.admin.importCodes(account: account, csv: csv)
                return Self.redirect("/console/a/\(account)/codes?done=imported")
            }
            guard let number = form.text("code") else { throw AdminError(.invalid, "enter the code's digits", field: "code") }
            let code = AccountCode(accountID: account, code: number, description: form.text("description") ?? "")
            try await visit.admin.addCode(code)
            return Self.redirect("/console/a/\(account)/codes?done=added")
        })
        file(router, "/console/a/:account/codes.csv", title: "Codes") { visit in
            let csv = try await visit.admin.exportCodes(account: visit.account)
            return ("codes-\(visit.account).csv", ResponseBody(byteBuffer: ByteBuffer(string: csv)))
        }
        screen(router, "/console/a/:account/codes/:code", render: { visit, notice in
            let code = try await visit.admin.code(account: visit.account, code: Self.segment(visit, 4))
            let groups = (try? await visit.admin.groups(account: visit.account)) ?? []
            return Self.codePage(visit, code, groups: groups, notice: notice)
        }, change: { visit, form in
            let account = visit.account, number = Self.segment(visit, 4)
            var code = try await visit.admin.code(account: account, code: number)
            if form.value("do") == "deactivate" {
                code.active = false
            } else {
                code.description = form.text("description") ?? ""
                code.active = form.isOn("active")
                code.users = NameList.split(form.value("users") ?? "")
                code.groups = form.values("groups").filter { !$0.isEmpty }
                code.level = form.value("level").flatMap(CallPermission.init(rawValue:))
                code.validFrom = form.text("validFrom")
                code.validUntil = form.text("validUntil")
                try Self.applyCodeBilling(form, to: &code)
            }
            let saved = code
            try await visit.admin.updateCode(saved)
            return Self.redirect("/console/a/\(account)/codes/\(number)?done=\(form.value("do") == "deactivate" ? "deactivated" : "saved")")
        })
    }


    static func codesPage(_ visit: Visit, _ codes: [AccountCode], rules: CodeRules, query: String?, notice: Notice?) -> HTML {
        let account = visit.account
        let canEdit = visit.principal.may(.writeCodes, account: account)
        let rows = codes.prefix(codeListLimit).map { code -> [HTML] in
            ["<a href=\"/console/a/\(account)/codes/\(code.code)\">\(code.code)</a>", "\(code.description)",
             "\(code.active ? "active" : "inactive")", "\(limitsSummary(code))"]
        }
        let more: HTML = codes.count > codeListLimit ? "<p class=\"from\">Showing the first \(codeListLimit): search to narrow.</p>" : ""
        let header = AcctcodesStore.codeCSVHeader.joined(separator: ",")
        let add: HTML = canEdit ? """
            <section><h2>Add a code</h2><form method="post" class="row">\(Layout.csrfField(visit))
            <label>Code<br>\(rules.field(notice))</label>
            <label>Description (client or matter)<br><input type="text" name="description" id="new-description" size="30"
              value="\(notice.entered("description"))"></label>
            <button id="add-code">Add</button></form>\(notice.message(for: "code"))<p class="from">\(rules.hint)</p></section>
            <section><h2>Import codes (CSV)</h2>
            <p class="from" id="csv-help">The first line is the header, then one code a line, as <strong>Export CSV</strong> writes
            them: <code>\(header)</code>. A file with only <code>code,description,active</code> also imports and leaves each
            code's limits as they are. All or nothing: if any line is wrong, nothing is changed and every wrong line is listed.
            Existing codes are updated.</p>
            <form method="post">\(Layout.csrfField(visit))<input type="hidden" name="do" value="import">
            <label>CSV file <input type="file" accept=".csv,text/csv,text/plain" data-into="csv"></label>
            <label for="csv">Or paste the lines</label>
            <textarea name="csv" id="csv" aria-describedby="csv-help" placeholder="code,description,active&#10;0042,Smith v. Jones,true">\(notice.entered("csv"))</textarea>
            <button id="import">Import</button></form></section>
            """ : ""
        return Layout.page("Codes", visit: visit, account: account, current: "codes", notice: notice, """
            \(rules.validationOffer(visit))
            <form method="get" class="row" role="search"><label>Search<br><input type="text" name="q" value="\(query)" placeholder="code or description"></label>
            <button class="secondary">Search</button> <a class="button secondary" href="/console/a/\(account)/codes.csv" download>Export CSV</a></form>
            \(Layout.table(["Code", "Description", "State", "Limits"], rows, empty: query == nil ? "No codes yet." : "No code matches."))\(more)\(add)
            """)
    }

    static func limitsSummary(_ code: AccountCode) -> String {
        var parts: [String] = []
        if !code.users.isEmpty { parts.append("users " + code.users.joined(separator: ", ")) }
        if !code.groups.isEmpty { parts.append("groups " + code.groups.joined(separator: ", ")) }
        if let level = code.level { parts.append("up to \(level.rawValue)") }
        if let from = code.validFrom { parts.append("from \(from)") }
        if let until = code.validUntil { parts.append("until \(until)") }
        if let own = code.billing {
            if let v = own.increment { parts.append("billed in \(v) s") }
            if let v = own.minimum { parts.append("minimum \(v) s") }
            if let v = own.rate { parts.append("rate \(v)/h") }
        }
        return parts.joined(separator: "; ")
    }

    static func codePage(_ visit: Visit, _ code: AccountCode, groups: [SettingsGroup], notice: Notice?) -> HTML {
        let canEdit = visit.principal.may(.writeCodes, account: code.accountID)
        let disabled = HTML.attribute("disabled", !canEdit)
        let levels = [HTML("<option value=\"\">any call</option>")] + CallPermission.allCases.map { p -> HTML in
            "<option value=\"\(p.rawValue)\"\(HTML.attribute("selected", code.level == p))>up to \(p.rawValue)</option>"
        }
        let groupBoxes = groups.map { g -> HTML in
            "<label class=\"check\"><input type=\"checkbox\" name=\"groups\" value=\"\(g.name)\"\(HTML.attribute("checked", code.groups.contains(g.name)))\(disabled)><span>\(g.name)</span></label>"
        }
        let buttons: HTML = canEdit ? "<button id=\"save\">Save</button>" : ""
        let deactivate: HTML = canEdit && code.active ? """
            <form method="post">\(Layout.csrfField(visit))<input type="hidden" name="do" value="deactivate">
            <button class="secondary" id="deactivate">Deactivate</button></form>
            """ : ""
        return Layout.page("Code \(code.code)", visit: visit, account: code.accountID, current: "codes", notice: notice, """
            <form method="post">\(Layout.csrfField(visit))<section>
            <label>Description<br><input type="text" name="description" id="description" value="\(code.description)" size="40"\(disabled)></label>
            <label class="check"><input type="checkbox" name="active" id="active"\(HTML.attribute("checked", code.active))\(disabled)><span>Active</span></label>
            </section><section><h2>Limits</h2><p class="from">Leave empty for no limit.</p>
            <label>Only these users (extensions)<br><input type="text" name="users" value="\(code.users.joined(separator: ", "))"\(disabled)></label>
            <p>Only users of these groups</p>\(groupBoxes.isEmpty ? HTML("<p class=\"from\">No groups.</p>") : HTML.join(groupBoxes))
            <label>Highest call it authorizes<br><select name="level"\(disabled)>\(levels)</select></label>
            <div class="row"><label>Valid from<br><input type="date" name="validFrom" value="\(code.validFrom)"\(disabled)></label>
            <label>Valid until<br><input type="date" name="validUntil" value="\(code.validUntil)"\(disabled)></label></div>
            </section>\(codeBillingFields(code, disabled: disabled))\(buttons)</form>\(deactivate)
            """)
    }
}
