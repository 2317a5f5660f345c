import Admin
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import NIOCore
import Store
import StoreCore

/// The admin console: the seeds' Account Codes pages in a browser, at `/console/`, served by
/// `serve` beside the API on the same listener and allow-list. Pages are rendered here from the
/// same application layer as the API and the CLI (`Admin`), so a rule is enforced in one place;
/// the browser gets plain HTML forms and one small script (no CDN, nothing from the internet).
///
/// Signing in takes an API token (`acctcodes token create`), so the console has the API's roles:
/// an operator picks an account, an account admin has one, a billing user sees usage and codes.
public struct AdminConsole: Sendable {
    public let store: any AdminStore
    let sessions: ConsoleSessions
    let limiter: SignInLimiter
    /// Where usage exports read their pages (the API's low-priority thread in `serve`).
    let pageRunner: Admin.PageRunner?
    /// Failed sign-ins, cross-site posts and refused pages, logged and counted with the API's.
    let refusals: RefusalLog?

    public init(store: any AdminStore, signInLimit: Int = 5, pageRunner: Admin.PageRunner? = nil, refusals: RefusalLog? = nil) {
        self.store = store
        self.sessions = ConsoleSessions(store: store)
        self.limiter = SignInLimiter(store: store, limit: signInLimit)
        self.pageRunner = pageRunner
        self.refusals = refusals
    }

    static let cookie = "acctcodes_session"

    public func install(on router: Router<APIContext>) {
        router.get("/") { _, _ in Self.redirect("/console/") }
        router.get("/console/style.css") { _, _ in
            Self.asset(Layout.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/console/icon.svg") { _, _ in Self.asset(Layout.icon, type: "image/svg+xml") }
        // Browsers ask for it whatever the page says.
        router.get("/favicon.ico") { _, _ in Self.asset(Layout.icon, type: "image/svg+xml") }
        router.get("/console/app.js") { _, _ in
            Self.asset(Layout.script, type: "text/javascript; charset=utf-8")
        }
        addSignIn(router)
        addSetup(router)
        addPeople(router)
        addCodes(router)
        addUsage(router)
        addBillingReport(router)
        addCorrections(router)
        addOversight(router)
    }

    // MARK: Requests

    /// Who is asking, checked on every request: the session, and its token as it is now.
    func visit(_ request: Request, _ context: APIContext) async throws -> Visit? {
        guard let id = request.cookies[Self.cookie]?.value, let session = await sessions.session(id) else { return nil }
        guard let principal = try? await Admin.principal(forTokenHash: session.tokenHash, in: store) else {
            await sessions.end(id)
            return nil
        }
        return Visit(session: session, principal: principal, admin: Admin(store: store, principal: principal), request: request)
    }

    typealias Render = @Sendable (Visit, Notice?) async throws -> HTML
    typealias Change = @Sendable (Visit, Form) async throws -> Response

    /// A screen: GET renders it; POST (with the session's CSRF token) changes something and
    /// redirects, or renders the screen again with what was wrong.
    func screen(_ router: Router<APIContext>, _ path: String, render: @escaping Render, change: Change? = nil) {
        router.get(RouterPath(path)) { request, context in
            guard let visit = try await visit(request, context) else { return Self.signInRedirect }
            return try await respond(visit, context) { try await Self.html(render(visit, Notice.from(request))) } fallback: { error in
                try await Self.html(render(visit, .error(error)), status: Self.status(error))
            }
        }
        guard let change else { return }
        router.post(RouterPath(path)) { request, context in
            guard let visit = try await visit(request, context) else { return Self.signInRedirect }
            let form = try await Self.form(request, context)
            guard Self.sameOrigin(request), let csrf = form.value("csrf"), Self.constantTimeEqual(csrf, visit.session.csrf) else {
                refusals?.refused(.crossSite, request, context, who: visit.principal.name)
                return try Self.html(Layout.page("Refused", visit: visit, notice: .error(AdminError(.forbidden,
                    "This form has expired or did not come from this console. Go back, reload the page and try again.")), ""),
                    status: .forbidden)
            }
            return try await respond(visit, context) { try await change(visit, form) } fallback: { error in
                // The screen again, with what was typed and the server's words beside the field.
                try await Self.html(render(visit, .error(error, form: form)), status: Self.status(error))
            }
        }
    }

    /// The page, or the screen again with why not, or (when the screen itself cannot be shown:
    /// no access, nothing there) an error page in the console's layout saying what to do.
    private func respond(_ visit: Visit, _ context: APIContext, _ body: () async throws -> Response,
                         fallback: (AdminError) async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as AdminError {
            if let reason = RefusalReason(error) { refusals?.refused(reason, visit.request, context, who: visit.principal.name) }
            do {
                return try await fallback(error)
            } catch let again as AdminError {
                return try Self.html(Self.errorPage(visit, again), status: Self.status(again))
            }
        }
    }

    /// What went wrong, in the console's own layout, with a way on from there.
    static func errorPage(_ visit: Visit, _ error: AdminError) -> HTML {
        let home = Self.home(visit.principal)
        let (title, advice): (String, HTML) = switch error.kind {
        case .forbidden:
            ("Not allowed", "Your key (\(visit.principal.role.rawValue)) cannot open this page. If you need it, ask your operator for a key with that role.")
        case .notFound:
            ("Not found", "It may have been removed, or the link is mistyped. Check the list it came from.")
        case .busy, .storage:
            ("Not available", "The server could not reach its database just now. Try again in a moment; if it goes on, tell your operator.")
        default:
            ("Something is wrong", "Go back and check what was entered.")
        }
        return Layout.page(title, visit: visit, account: visit.principal.sees(account: visit.account) ? visit.account : nil,
                           notice: .error(error), """
            <section><p>\(advice)</p><p><a class="button secondary" href="\(home)" id="go-home">Go to your start page</a></p></section>
            """)
    }

    static func status(_ error: AdminError) -> HTTPResponse.Status {
        switch error.kind {
        case .invalid, .rule: .unprocessableContent
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .unauthenticated: .unauthorized
        case .busy, .storage: .serviceUnavailable
        }
    }

    /// A request from another site would carry its own Origin: refused even before the CSRF token.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func form(_ request: Request, _ context: APIContext) async throws -> Form {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return Form(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    // MARK: Responses

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        // Not no-referrer: under it browsers send `Origin: null` with a form, and the origin check refuses it.
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    static func html(_ page: HTML, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300", .xContentTypeOptions: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    static var signInRedirect: Response { redirect("/console/signin") }

    /// A CSV file to save, from a GET that is not a screen: the same session check, and an error
    /// comes back as a page saying why, not as a broken download.
    func file(_ router: Router<APIContext>, _ path: String, title: String,
              _ body: @escaping @Sendable (Visit) async throws -> (filename: String, body: ResponseBody)) {
        router.get(RouterPath(path)) { request, context in
            guard let visit = try await visit(request, context) else { return Self.signInRedirect }
            do {
                let file = try await body(visit)
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                                       .xContentTypeOptions: "nosniff",
                                                       .contentDisposition: "attachment; filename=\"\(file.filename)\""],
                                body: file.body)
            } catch let error as AdminError {
                return try Self.html(Layout.page(title, visit: visit, account: visit.account, notice: .error(error), ""),
                                     status: Self.status(error))
            }
        }
    }
}

/// One signed-in request.
struct Visit: Sendable {
    let session: ConsoleSessions.Session
    let principal: Principal
    let admin: Admin
    let request: Request

    func query(_ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The `{account}` of the path (the router matched it).
    var account: String { request.uri.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? "" }
}

extension Notice {
    /// What a redirect after a change says was done: a fixed message per key, never text from the URL.
    static func from(_ request: Request) -> Notice? {
        guard let key = request.uri.queryParameters.get("done") else { return nil }
        let count = request.uri.queryParameters.get("n").flatMap { Int($0) }
        switch key {
        case "setup": return .done("Account Codes is enabled on this account. Now choose its settings below.")
        case "saved": return .done("Saved.")
        case "saved-enabled": return .done("Saved. Account Codes was enabled for \(count ?? 0) user(s) who did not have it yet.")
        case "saved-not-enabled": return .done("Saved. Users who did not have Account Codes still do not; enable them one by one.")
        case "added": return .done("Added.")
        case "validating": return .done("Validation is on: a code keyed by a caller must now be one of the account's active codes.")
        case "imported": return .done("Imported: every line was applied.")
        case "unlocked": return .done("Unlocked.")
        case "corrected": return .done("Saved: the call bills as shown; the audit log has the change.")
        case "billing": return .done("Billing terms saved: the billing report uses them for every period, past ones too.")
        case "deactivated": return .done("Deactivated: callers can no longer use this code.")
        default: return nil
        }
    }
}
