import AccountCodes
import Admin
import Foundation
import HTTPAPI
import Hummingbird
import Store
import StoreCore

/// "Test a call" (the explain simulator), lockouts and the audit log.
extension AdminConsole {
    func addOversight(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/test", render: { visit, notice in
            try visit.admin.authorize(.explain, account: visit.account)
            guard let user = visit.query("user"), let number = visit.query("number") else {
                return Self.testPage(visit, nil, notice: notice)
            }
            let request = Admin.ExplainRequest(account: visit.account, user: user, dialed: number, code: visit.query("code"))
            let explanation = try await visit.admin.explain(request)
            return Self.testPage(visit, explanation, notice: notice)
        })
        screen(router, "/console/a/:account/lockouts", render: { visit, notice in
            let locks = try await visit.admin.lockouts(account: visit.account)
            return Self.lockoutsPage(visit, locks, notice: notice)
        }, change: { visit, form in
            guard let key = form.value("subject"), let subject = LockSubject(key: key) else {
                throw AdminError(.invalid, "no such lockout", field: "subject")
            }
            let account = visit.account
            _ = try await visit.admin.unlock(account: account, subject: subject)
            return Self.redirect("/console/a/\(account)/lockouts?done=unlocked")
        })
        screen(router, "/console/a/:account/audit", render: { visit, notice in
            let before = visit.query("before").flatMap { Int64($0) }
            let records = try await visit.admin.audit(account: visit.account, beforeID: before, limit: 51)
            return Self.auditPage(visit, records, notice: notice)
        })
    }

    static func testPage(_ visit: Visit, _ explanation: Explanation?, notice: Notice?) -> HTML {
        var result: HTML = ""
        if let e = explanation {
            let settings = e.settings.keys.sorted().map { key -> [HTML] in
                ["\(key)", "\(e.settings[key]?.value ?? "")", "<span class=\"from\">\(e.settings[key]?.from ?? "")</span>"]
            }
            var prompt: HTML = ""
            if let p = e.prompt {
                prompt = """
                    <p>Prompt: \(p.codeLength)-digit code, \(p.maxRetries) tries, \(p.entryTimeout) s a digit,
                    \(p.mustValidate ? "validated" : "not validated"), \(p.poundSkips ? "# skips" : "# does not skip"),
                    after max retries: \(p.afterMaxRetries).</p>
                    """
            }
            let code: HTML = e.code.map { c in "<p>Code: \(c.check) (\(c.accepted ? "accepted" : "refused"))</p>" } ?? ""
            result = """
                <section id="decision"><h2>Decision: \(e.decision)</h2><p>Reason: <strong>\(e.reason)</strong></p>
                <p>User \(e.user): \(e.userKnown ? (e.userEnabled ? "Account Codes enabled" : "Account Codes off") : "not a user of this account")\(e.group.map { ", group \($0)" } ?? "").
                Call class: <strong>\(e.callClass)</strong>. Call permission: \(e.permission) (from \(e.permissionFrom)).</p>
                \(prompt)\(code)<p class="from">Lockout: \(e.lockout)\(e.lockedUntil.map { "; locked until \(Self.time($0))" } ?? "")</p>
                \(Layout.table(["Setting", "Value", "From"], settings, empty: ""))</section>
                """
        }
        return Layout.page("Test a call", visit: visit, account: visit.account, current: "test", notice: notice, """
            <p class="from">What the server would do if this user dialed this number now. Nothing is dialed or logged.</p>
            <form method="get" class="row"><label>User (extension)<br><input type="text" name="user" id="test-user" value="\(visit.query("user"))" required></label>
            <label>Number dialed<br><input type="text" name="number" id="test-number" value="\(visit.query("number"))" required></label>
            <label>Code keyed (optional)<br><input type="password" name="code" autocomplete="off" size="8"></label>
            <button id="test">Test</button></form>\(result)
            """)
    }

    static func lockoutsPage(_ visit: Visit, _ locks: [Lockout], notice: Notice?) -> HTML {
        let canClear = visit.principal.may(.clearLockouts, account: visit.account)
        let rows = locks.map { lock -> [HTML] in
            let unlock: HTML = canClear ? """
                <form method="post" class="inline">\(Layout.csrfField(visit))<input type="hidden" name="subject" value="\(lock.subject)"><button>Unlock</button></form>
                """ : ""
            return ["\(lock.subject)", "\(Self.time(Date(timeIntervalSince1970: lock.state.lockedAt)))",
                    "\(Self.time(Date(timeIntervalSince1970: lock.state.until)))", "\(lock.state.count)", unlock]
        }
        return Layout.page("Lockouts", visit: visit, account: visit.account, current: "lockouts", notice: notice,
                           Layout.table(["Who", "Locked at", "Until", "Incorrect entries", ""], rows, empty: "Nobody is locked out."))
    }

    static func auditPage(_ visit: Visit, _ records: [AuditRecord], notice: Notice?) -> HTML {
        let shown = records.prefix(50)
        let rows = shown.map { r -> [HTML] in
            ["\(Self.time(r.at))", "\(r.actor)", "\(r.action)", "\(r.target)",
             "<details><summary>before / after</summary><pre>\(r.before ?? "—")\n\(r.after ?? "—")</pre></details>"]
        }
        let older: HTML = records.count > 50
            ? "<p><a class=\"button secondary\" href=\"/console/a/\(visit.account)/audit?before=\(Int(shown.last?.id ?? 0))\">Older</a></p>" : ""
        return Layout.page("Audit log", visit: visit, account: visit.account, current: "audit", notice: notice,
                           "\(Layout.table(["When", "Who", "What", "On", "Change"], rows, empty: "No changes recorded yet."))\(older)")
    }
}
