import Admin

/// A message at the top of a page: what was just done, or why it was not.
struct Notice: Sendable {
    enum Kind: String, Sendable { case done, error }
    var kind: Kind
    var lines: [String]
    /// The form field an error is about: the page shows the message beside it too.
    var field: String?
    /// What was posted, so a refused form comes back as it was typed.
    var form: Form?

    static func done(_ text: String) -> Notice { Notice(kind: .done, lines: [text]) }
    static func error(_ error: AdminError, form: Form? = nil) -> Notice {
        Notice(kind: .error, lines: [error.message] + error.problems, field: error.field, form: form)
    }

    /// The message to show beside `field`, as an element the field names in `aria-describedby`.
    func message(for field: String) -> HTML {
        guard kind == .error, self.field == field, let line = lines.first else { return "" }
        return "<p class=\"field-error\" id=\"\(field)-error\" role=\"alert\">\(line)</p>"
    }

    /// ` aria-invalid="true" aria-describedby=...` on the field the error is about.
    func invalid(_ field: String) -> HTML {
        kind == .error && self.field == field ? HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"\(field)-error\"") : ""
    }
}

extension Optional where Wrapped == Notice {
    func message(for field: String) -> HTML { self?.message(for: field) ?? "" }
    func invalid(_ field: String) -> HTML { self?.invalid(field) ?? "" }
    /// What the refused form held in `field`, to put back in it.
    func entered(_ field: String) -> String? { self?.form?.value(field) }
}

/// The page around every screen: the account's menu (only what the role may open), the
/// signed-in name, sign-out, and the notice.
enum Layout {
    struct Tab: Sendable {
        let title: String
        let path: String
        let action: Action
    }

    static let tabs = [
        Tab(title: "Account Codes", path: "setup", action: .writeSettings),
        Tab(title: "Groups", path: "groups", action: .readSettings),
        Tab(title: "Users", path: "users", action: .readSettings),
        Tab(title: "Codes", path: "codes", action: .readCodes),
        Tab(title: "Usage Log", path: "usage", action: .readUsage),
        Tab(title: "Test a call", path: "test", action: .explain),
        Tab(title: "Lockouts", path: "lockouts", action: .readLockouts),
        Tab(title: "Audit log", path: "audit", action: .readAudit),
    ]

    static func page(_ title: String, visit: Visit?, account: String? = nil, current: String? = nil, notice: Notice? = nil,
                     _ body: HTML) -> HTML {
        var header: HTML = ""
        if let visit {
            var links: [HTML] = []
            if visit.principal.role == .operator { links.append("<a href=\"/console/\">Accounts</a>") }
            if let account {
                for tab in tabs where visit.principal.may(tab.action, account: account) {
                    let here: HTML = tab.path == current ? " aria-current=\"page\"" : ""
                    links.append("<a href=\"/console/a/\(account)/\(tab.path)\"\(here)>\(tab.title)</a>")
                }
            }
            header = """
                <header><div class="who"><strong>acctcodes</strong>\(account.map { HTML(" · \($0)") } ?? "")
                <span class="me">\(visit.principal.name) (\(visit.principal.role.rawValue))</span>
                <form method="post" action="/console/signout" class="inline">\(csrfField(visit))<button class="link">Sign out</button></form></div>
                <nav>\(links)</nav></header>
                """
        }
        var message: HTML = ""
        if let notice {
            let lines = notice.lines.map { line -> HTML in "<li>\(line)</li>" }
            message = "<div class=\"notice \(notice.kind.rawValue)\" role=\"\(notice.kind == .error ? "alert" : "status")\"><ul>\(lines)</ul></div>"
        }
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · acctcodes</title><link rel="stylesheet" href="/console/style.css">
            <link rel="icon" href="/console/icon.svg" type="image/svg+xml"></head>
            <body>\(header)<main><h1>\(title)</h1>\(message)\(body)</main>
            <script src="/console/app.js"></script></body></html>
            """
    }

    static func csrfField(_ visit: Visit) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(visit.session.csrf)\">" }

    /// A table that scrolls sideways inside its own box on a narrow screen (the page never does):
    /// the box can be scrolled from the keyboard, and a wide table says so where it is cut.
    static func table(_ headings: [String], _ rows: [[HTML]], empty: String, caption: String? = nil) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
        let head = headings.map { h -> HTML in "<th scope=\"col\">\(h)</th>" }
        let body = rows.map { row -> HTML in "<tr>\(row.map { cell -> HTML in "<td>\(cell)</td>" })</tr>" }
        let label = caption ?? headings.joined(separator: ", ")
        let hint: HTML = headings.count > 4
            ? "<p class=\"scroll-hint\" aria-hidden=\"true\">More columns to the right: scroll the table sideways.</p>" : ""
        return """
            \(hint)<div class="scroll" tabindex="0" role="region" aria-label="\(label)"><table><thead><tr>\(head)</tr></thead>
            <tbody>\(body)</tbody></table></div>
            """
    }

    /// The console's icon: a keypad key, drawn here (every page asked for /favicon.ico and got 404).
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="2" width="28" height="28" rx="6" fill="#1f3a5f"/>\
        <text x="16" y="23" font-family="sans-serif" font-size="18" font-weight="bold" fill="#fff" text-anchor="middle">#</text></svg>
        """


    static let stylesheet = """
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f5f6f8}
        header{background:#1f3a5f;color:#fff;padding:.5rem 1rem}header a{color:#dfe8f5;text-decoration:none;padding:.35rem .6rem;border-radius:4px;display:inline-block}
        header a[aria-current]{background:#fff;color:#1f3a5f;font-weight:600}.who{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
        .me{margin-left:auto;opacity:.85}nav{display:flex;flex-wrap:wrap;gap:.2rem;margin-top:.4rem}
        main{max-width:70rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.4rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
        section,.card{background:#fff;border:1px solid #d9dde5;border-radius:6px;padding:1rem;margin-bottom:1rem}
        label{display:block;margin:.45rem 0}label.check{display:flex;gap:.5rem;align-items:flex-start}
        input[type=text],input[type=password],input[type=number],input[type=date],select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #b8bfcc;border-radius:4px;max-width:100%}
        textarea{width:100%;min-height:8rem;font-family:ui-monospace,monospace}
        button,.button{font:inherit;background:#1f3a5f;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;cursor:pointer;text-decoration:none;display:inline-block}
        button.secondary,.button.secondary{background:#e6e9ef;color:#1d2330}button.link{background:none;color:inherit;text-decoration:underline;padding:0}
        button:disabled{opacity:.5;cursor:not-allowed}.inline{display:inline}.row{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
        .hint{color:#5b6475;font-size:.9rem;margin:.1rem 0 .4rem 1.6rem}.warn{color:#8a4b00;font-weight:600}
        .notice{border-radius:6px;padding:.5rem 1rem;margin-bottom:1rem}.notice ul{margin:0;padding-left:1.2rem}
        .notice.done{background:#e5f4ea;border:1px solid #9ccfac}.notice.error{background:#fbe9e9;border:1px solid #e0a3a3}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
        th{background:#eef1f6;font-weight:600}.num{text-align:right}.empty{color:#5b6475}.from{color:#5b6475;font-size:.85rem}
        dialog,.dialog{border:2px solid #1f3a5f;border-radius:8px;background:#fff;padding:1rem;max-width:36rem}
        .choices{display:grid;gap:.75rem}.choices p{margin:.2rem 0 0;color:#5b6475;font-size:.9rem}
        svg text{font:14px system-ui,sans-serif;fill:#1d2330}.chart{display:block}
        .notice.warning{background:#fff4e0;border:1px solid #e0b56b}.notice p{margin:.3rem 0}
        .tag{display:inline-block;margin-left:.4rem;padding:0 .35rem;border-radius:3px;font-size:.8rem;background:#fff4e0;border:1px solid #e0b56b}
        .field-error{color:#a11d1d;font-weight:600;margin:.2rem 0}[aria-invalid=true]{border-color:#a11d1d;outline:1px solid #a11d1d}
        table.bars{max-width:44rem}table.bars th{background:none;font-weight:400;white-space:nowrap}table.bars td{border:0;width:70%}
        meter{width:100%;height:1.1rem}.scroll-hint{display:none;color:#5b6475;font-size:.85rem;margin:.2rem 0}
        .scroll:focus{outline:2px solid #3b6ea8}
        @media (max-width:40rem){main{padding:.5rem}th,td{padding:.3rem}.me{margin-left:0}.scroll-hint{display:block}}
        @media print{header,.no-print,.scroll-hint{display:none}body{background:#fff}main{max-width:none;padding:0}
        section{border:0;padding:0}.scroll{overflow:visible}th{background:none;border-bottom:2px solid #1d2330}}
        """

    /// Reads a chosen CSV file into the import box (nothing leaves the page until Import); a
    /// Print button prints the page (the printable report).
    static let script = """
        document.querySelectorAll('[data-print]').forEach(function(b){b.addEventListener('click',function(){window.print()})});
        document.querySelectorAll('input[type=file][data-into]').forEach(function(input){
          input.addEventListener('change',function(){var f=input.files[0];if(!f)return;var r=new FileReader();
          r.onload=function(){document.getElementById(input.dataset.into).value=r.result};r.readAsText(f)})});
        """
}
