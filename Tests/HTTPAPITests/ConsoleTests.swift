import AccountCodes
import Admin
import AdminConsole
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The console's safety rules through the HTTP layer (the flows themselves are tested in a real
/// browser by Tests/Console): sessions, CSRF, sign-in limits, escaping, roles and tenants.
@Suite struct ConsoleTests {
    let harness: APIHarness

    init() throws { harness = try APIHarness() }

    func run(signInLimit: Int = 5, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let console = AdminConsole(store: harness.store, signInLimit: signInLimit)
        let app = Application(router: harness.api.router(adding: console.install(on:)).router)
        try await app.test(.router) { client in try await test(client) }
    }

    struct Page: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var location: String?
        var cookie: String?
    }

    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil,
                     form: String? = nil) async throws -> Page {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await client.execute(uri: path, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) {
            Page(status: $0.status, body: String(buffer: $0.body), location: $0.headers[.location],
                 cookie: $0.headers[.setCookie].map { String($0.prefix { $0 != ";" }) })
        }
    }

    static func signIn(_ client: any TestClientProtocol, _ token: String) async throws -> String {
        let page = try await send(client, .post, "/console/signin", form: "token=\(token)")
        #expect(page.status == .seeOther)
        return try #require(page.cookie)
    }

    static func csrf(_ body: String) -> String? {
        guard let range = body.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aChangeWithoutThePagesCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeAdmin)
            let page = try await Self.send(client, .get, "/console/a/acme/codes", cookie: cookie)
            let token = try #require(Self.csrf(page.body))
            let forged = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=wrong&code=4321")
            #expect(forged.status == .forbidden)
            let missing = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "code=4321")
            #expect(missing.status == .forbidden)
            #expect(try harness.store.code(account: "acme", code: "4321") == nil)
            let real = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=\(token)&code=4321&description=ok")
            #expect(real.status == .seeOther)
            #expect(try harness.store.code(account: "acme", code: "4321")?.description == "ok")
        }
    }

    @Test func signInIsRefusedAfterTooManyFailuresEvenWithTheRightKey() async throws {
        try await run(signInLimit: 3) { client in
            for _ in 0..<3 {
                let wrong = try await Self.send(client, .post, "/console/signin", form: "token=act_0000000000_\(String(repeating: "x", count: 43))")
                #expect(wrong.status == .unauthorized)
            }
            let blocked = try await Self.send(client, .post, "/console/signin", form: "token=\(harness.acmeAdmin)")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.cookie == nil)
            #expect(blocked.body.contains("Too many failed sign-ins"))
        }
    }

    @Test func storedTextIsEscapedOnEveryPage() async throws {
        var user = User(accountID: "acme", extensionNumber: "1001")
        user.name = "<script>alert('x')</script>"
        try Admin(store: harness.store, principal: .commandLine(user: "t")).saveUser(user, create: true)
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeAdmin)
            for path in ["/console/a/acme/users", "/console/a/acme/users/1001"] {
                let page = try await Self.send(client, .get, path, cookie: cookie)
                #expect(page.status == .ok)
                #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
                #expect(!page.body.contains("<script>alert"))
            }
        }
    }

    @Test func billingSeesUsageAndCodesOnly() async throws {
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeBilling)
            #expect(try await Self.send(client, .get, "/console/a/acme/usage", cookie: cookie).status == .ok)
            let codes = try await Self.send(client, .get, "/console/a/acme/codes", cookie: cookie)
            #expect(codes.status == .ok)
            #expect(!codes.body.contains("id=\"add-code\""))
            for path in ["setup", "users", "groups", "lockouts", "audit", "test"] {
                #expect(try await Self.send(client, .get, "/console/a/acme/\(path)", cookie: cookie).status == .forbidden, "\(path)")
            }
            let token = try #require(Self.csrf(codes.body))
            let write = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=\(token)&code=5555")
            #expect(write.status == .forbidden)
        }
    }

    @Test func anotherTenantsAccountIsNotFound() async throws {
        try await run { client in
            let cookie = try await Self.signIn(client, harness.otherAdmin)
            for path in ["setup", "codes", "usage", "users"] {
                let page = try await Self.send(client, .get, "/console/a/acme/\(path)", cookie: cookie)
                #expect(page.status == .notFound || page.status == .forbidden, "\(path): \(page.status)")
                #expect(!page.body.contains("<table>"), "\(path)")
            }
        }
    }

    @Test func aRevokedTokenEndsItsSessionsAtOnce() async throws {
        let cli = Admin(store: harness.store, principal: .commandLine(user: "t"))
        let created = try cli.createToken(name: "temp", role: .accountAdmin, account: "acme")
        try await run { client in
            let cookie = try await Self.signIn(client, created.token)
            #expect(try await Self.send(client, .get, "/console/a/acme/setup", cookie: cookie).status == .ok)
            _ = try cli.revokeToken(id: created.stored.id)
            let after = try await Self.send(client, .get, "/console/a/acme/setup", cookie: cookie)
            #expect(after.status == .seeOther)
            #expect(after.location == "/console/signin")
        }
    }

    @Test func signedOutOrUnknownSessionsGoToSignIn() async throws {
        try await run { client in
            let none = try await Self.send(client, .get, "/console/a/acme/setup")
            #expect(none.location == "/console/signin")
            let made = try await Self.send(client, .get, "/console/a/acme/setup", cookie: "acctcodes_session=made-up")
            #expect(made.location == "/console/signin")
            let cookie = try await Self.signIn(client, harness.acmeAdmin)
            _ = try await Self.send(client, .post, "/console/signout", cookie: cookie)
            #expect(try await Self.send(client, .get, "/console/a/acme/setup", cookie: cookie).location == "/console/signin")
        }
    }
}
