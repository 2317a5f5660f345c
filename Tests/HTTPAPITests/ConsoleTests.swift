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
import TestSupport
import Testing

/// The console's safety rules through the HTTP layer (the flows themselves are tested in a real
/// browser by Tests/Console): sessions, CSRF, sign-in limits, escaping, roles and tenants.
@Suite struct ConsoleTests {
    let harness: APIHarness

    init() async throws { harness = try await APIHarness() }

    func run(signInLimit: Int = 5, logs: CapturedLog? = nil,
             _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let refusals = logs.map { logs in RefusalLog(logger: Logger(label: "console", factory: { _ in logs.handler })) }
        let console = AdminConsole(store: harness.store, signInLimit: signInLimit, refusals: refusals)
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
            await #expect(try harness.store.code(account: "acme", code: "4321") == nil)
            let real = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=\(token)&code=4321&description=ok")
            #expect(real.status == .seeOther)
            await #expect(try harness.store.code(account: "acme", code: "4321")?.description == "ok")
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
        try await Admin(store: harness.store, principal: .commandLine(user: "t")).saveUser(user, create: true)
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
        let created = try await cli.createToken(name: "temp", role: .accountAdmin, account: "acme")
        try await run { client in
            let cookie = try await Self.signIn(client, created.token)
            #expect(try await Self.send(client, .get, "/console/a/acme/setup", cookie: cookie).status == .ok)
            _ = try await cli.revokeToken(id: created.stored.id)
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

    // MARK: Issue 20: what a first-time office manager met

    @Test func errorsArePagesInTheConsolesLayoutNotJSON() async throws {
        try await run { client in
            let billing = try await Self.signIn(client, harness.acmeBilling)
            let settings = try await Self.send(client, .get, "/console/a/acme/setup", cookie: billing)
            #expect(settings.status == .forbidden)
            #expect(settings.body.hasPrefix("<!doctype html>"))
            #expect(settings.body.contains("Not allowed") && settings.body.contains("id=\"go-home\""))
            #expect(!settings.body.contains("{\"error\""))
            let admin = try await Self.signIn(client, harness.acmeAdmin)
            let missing = try await Self.send(client, .get, "/console/a/acme/codes/9876", cookie: admin)
            #expect(missing.status == .notFound)
            #expect(missing.body.hasPrefix("<!doctype html>") && missing.body.contains("Not found"))
            // Another tenant's page: not found, and the menu is not that account's.
            let other = try await Self.signIn(client, harness.otherAdmin)
            let theirs = try await Self.send(client, .get, "/console/a/acme/codes", cookie: other)
            #expect(theirs.status == .notFound)
            #expect(!theirs.body.contains("/console/a/acme/"))
        }
    }

    @Test func theCodeFieldFollowsTheAccountAndARefusedCodeComesBackBesideIt() async throws {
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeAdmin)
            let page = try await Self.send(client, .get, "/console/a/acme/codes", cookie: cookie)
            #expect(page.body.contains(#"pattern="[0-9]{4}""#))
            #expect(page.body.contains(#"maxlength="4""#) && page.body.contains(#"inputmode="numeric""#))
            #expect(page.body.contains("Exactly 4 digits"))
            #expect(page.body.contains("<label for=\"csv\">"))
            #expect(page.body.contains("code,description,active,users,groups,level,valid_from,valid_until"))
            let token = try #require(Self.csrf(page.body))
            let short = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie,
                                            form: "csrf=\(token)&code=123&description=Smith+v.+Jones")
            #expect(short.status == .unprocessableContent)
            #expect(short.body.contains("id=\"code-error\""))
            #expect(short.body.contains(#"aria-invalid="true""#))
            #expect(short.body.contains(#"value="123""#) && short.body.contains(#"value="Smith v. Jones""#))
        }
    }

    @Test func onceCodesExistTheConsoleOffersValidationUntilItIsOn() async throws {
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeAdmin)
            var page = try await Self.send(client, .get, "/console/a/acme/codes", cookie: cookie)
            #expect(!page.body.contains("id=\"validation-offer\""))
            let token = try #require(Self.csrf(page.body))
            _ = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=\(token)&code=1234")
            for path in ["codes", "setup"] {
                page = try await Self.send(client, .get, "/console/a/acme/\(path)", cookie: cookie)
                #expect(page.body.contains("id=\"validation-offer\""), "\(path)")
                #expect(page.body.contains("any\n4 digits") || page.body.contains("any 4 digits"), "\(path)")
            }
            let on = try await Self.send(client, .post, "/console/a/acme/setup", cookie: cookie, form: "csrf=\(token)&step=validate")
            #expect(on.status == .seeOther)
            await #expect(try harness.store.account("acme")?.defaults.validateWhenDialed == true)
            page = try await Self.send(client, .get, "/console/a/acme/codes", cookie: cookie)
            #expect(!page.body.contains("id=\"validation-offer\""))
        }
    }

    @Test func theUsageLogListsNewestFirstWithTriesReasonAndCodesNotInTheList() async throws {
        try harness.call(uniqueID: "first", code: "1234")
        try harness.call(uniqueID: "second", code: "9999", tries: 2)
        try await Admin(store: harness.store, principal: .commandLine(user: "t")).addCode(AccountCode(accountID: "acme", code: "1234"))
        try await run { client in
            let cookie = try await Self.signIn(client, harness.acmeBilling)
            let page = try await Self.send(client, .get, "/console/a/acme/usage", cookie: cookie)
            #expect(page.status == .ok)
            let calls = try #require(page.body.range(of: "<h2>Calls</h2>")).upperBound
            let list = String(page.body[calls...])
            let newer = try #require(list.range(of: "9999")), older = try #require(list.range(of: "1234"))
            #expect(newer.lowerBound < older.lowerBound)
            #expect(list.contains("<th scope=\"col\">Tries</th>") && list.contains("<th scope=\"col\">Reason</th>"))
            #expect(list.contains("code-accepted"))
            // 9999 was never a code of the account: marked in both tables, with the reason why.
            #expect(page.body.contains("id=\"unlisted-warning\""))
            #expect(page.body.components(separatedBy: "not in list</span>").count - 1 == 2)
        }
    }

    @Test func consoleRefusalsAreLoggedWithoutTheKey() async throws {
        let logs = CapturedLog()
        let wrong = "act_0000000000_" + String(repeating: "z", count: 43)
        try await run(logs: logs) { client in
            _ = try await Self.send(client, .post, "/console/signin", form: "token=\(wrong)")
            let cookie = try await Self.signIn(client, harness.acmeBilling)
            _ = try await Self.send(client, .post, "/console/a/acme/codes", cookie: cookie, form: "csrf=forged&code=4321")
            _ = try await Self.send(client, .get, "/console/a/acme/setup", cookie: cookie)
        }
        let lines = logs.all.filter { $0.contains("refused request") }
        for reason in ["sign-in-failed", "cross-site", "forbidden"] {
            #expect(lines.contains { $0.contains("reason=\(reason)") }, "\(reason): \(lines)")
        }
        #expect(!logs.all.contains { $0.contains(wrong) || $0.contains(harness.acmeBilling) || $0.contains("4321") })
    }
}
