import AccountCodes
import Admin
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import Store
import StoreCore

extension AdminConsole {
    func addSignIn(_ router: Router<APIContext>) {
        router.get("/console/signin") { request, context in
            // Over plain HTTP from another machine the browser would drop the Secure cookie: say why.
            let cookieKept = !Self.needsSecureCookie(request) || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
                || request.head.scheme == "https"
            return try Self.html(Self.signInPage(notice: cookieKept ? nil : Notice(kind: .error, lines: [
                "This page was reached over plain HTTP from the network. The console's session cookie is Secure, so the browser "
                    + "will only keep it over HTTPS: put the console behind a TLS reverse proxy, or open it on the server itself."])))
        }
        router.post("/console/signin") { request, context in
            let address = context.remoteAddress?.ipAddress ?? "?"
            if let wait = await limiter.retryAfter(address) {
                refusals?.refused(.signInLimited, request, context)
                var response = try Self.html(Self.signInPage(notice: .error(AdminError(.forbidden,
                    "Too many failed sign-ins from this address. Try again in \((wait + 59) / 60) minute(s)."))), status: .tooManyRequests)
                response.headers[.retryAfter] = String(wait)
                return response
            }
            guard Self.sameOrigin(request) else {
                refusals?.refused(.crossSite, request, context)
                return try Self.html(Self.signInPage(notice: .error(AdminError(.forbidden, "Sign in from the console's own page."))),
                                     status: .forbidden)
            }
            let form = try await Self.form(request, context)
            let token = form.text("token") ?? ""
            guard let principal = try await Admin.principal(forToken: token, in: store) else {
                await limiter.failed(address)
                refusals?.refused(.signInFailed, request, context)
                return try Self.html(Self.signInPage(notice: .error(AdminError(.unauthenticated,
                    "That key is not valid: it may be mistyped or revoked. Ask your operator for a new one."))), status: .unauthorized)
            }
            await limiter.succeeded(address)
            let session: ConsoleSessions.Session
            do throws(StoreError) { session = try await sessions.start(token: token) } catch { throw AdminError(error) }
            return Self.redirect(Self.home(principal),
                                 headers: [.setCookie: Self.sessionCookie(session.id, maxAge: Int(ConsoleSessions.lifetime), request)])
        }
        router.post("/console/signout") { request, context in
            if let id = request.cookies[Self.cookie]?.value { await sessions.end(id) }
            return Self.redirect("/console/signin", headers: [.setCookie: Self.sessionCookie("", maxAge: 0, request)])
        }
        // The operator's start: every account. A scoped user goes straight to theirs.
        screen(router, "/console/") { visit, notice in
            guard visit.principal.role == .operator else { throw AdminError(.forbidden, "not for this role") }
            var accounts = try await visit.admin.accounts()
            // Every install has the default account, set up or not: a fresh one starts here.
            if !accounts.contains(where: { $0.id == Account.defaultID }) { accounts.insert(Account(id: Account.defaultID), at: 0) }
            let rows = accounts.map { account -> [HTML] in
                ["<a href=\"/console/a/\(account.id)/setup\">\(account.id)</a>", "\(account.name)",
                 "\(account.codeLength.map { "\($0) digits" } ?? "not set up")",
                 "\(account.defaults.allowAccountCodes ? "on" : "off")"]
            }
            return Layout.page("Accounts", visit: visit, notice: notice,
                               Layout.table(["Account", "Name", "Code length", "Account codes"], rows, empty: "No accounts yet."))
        }
        router.get("/console/a/:account") { request, context in
            guard let visit = try await visit(request, context) else { return Self.signInRedirect }
            return Self.redirect(Self.home(visit.principal, account: visit.account))
        }
    }

    /// Session cookies are Secure, except when the browser reached the server on a loopback
    /// address: browsers drop Secure cookies over plain HTTP, and on loopback there is no network
    /// to read them from. A deployment reached over the network puts TLS (a reverse proxy) in front.
    static func needsSecureCookie(_ request: Request) -> Bool {
        let authority = request.head.authority ?? ""
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }.dropFirst())
            : String(authority.split(separator: ":").first ?? "")
        return !(host == "localhost" || host == "::1" || host.hasPrefix("127."))
    }

    /// The session cookie as sign-in sets it and sign-out clears it (`maxAge` 0).
    static func sessionCookie(_ value: String, maxAge: Int, _ request: Request) -> String {
        "\(cookie)=\(value); Path=/console; HttpOnly;\(needsSecureCookie(request) ? " Secure;" : "") SameSite=Strict; Max-Age=\(maxAge)"
    }

    /// Where a principal lands: an operator on the accounts, an account admin on the setup page,
    /// a billing user on the usage log.
    static func home(_ principal: Principal, account: String? = nil) -> String {
        guard let account = account ?? principal.account else { return "/console/" }
        return principal.role == .billing ? "/console/a/\(account)/usage" : "/console/a/\(account)/setup"
    }

    static func signInPage(notice: Notice?) -> HTML {
        Layout.page("Sign in", visit: nil, notice: notice, """
            <section><form method="post" action="/console/signin">
            <label>Access key<br><input type="password" name="token" autocomplete="current-password" size="62" required
              placeholder="act_..." autofocus></label>
            <p class="hint">The key your operator created for you with <code>acctcodes token create</code>. Its role decides
            what you can see and change.</p>
            <button>Sign in</button></form></section>
            """)
    }
}
