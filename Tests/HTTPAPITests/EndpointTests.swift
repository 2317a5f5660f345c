import AccountCodes
import Admin
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MemoryStore
import Store
import StoreCore
import Testing

@Suite struct EndpointTests {
    @Test func codesAddEditDeactivateRemoveWithTheAuditLog() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let added = try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin,
                                              body: #"{"code":"0042","description":"Acme v. Widget","level":"national"}"#)
            #expect(added.status == .created)
            #expect(try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin, body: #"{"code":"0042"}"#).status == .conflict)
            let off = try await client.call(.patch, "/api/v1/accounts/acme/codes/0042", token: h.acmeAdmin, body: #"{"active":false,"level":null}"#)
            #expect(off.status == .ok)
            let stored = try await #require(try h.store.code(account: "acme", code: "0042"))
            #expect(!stored.active)
            #expect(stored.level == nil)
            #expect(stored.description == "Acme v. Widget")
            let bad = try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin, body: #"{"code":"12"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.error?["field"] as? String == "code")
            #expect(try await client.call(.delete, "/api/v1/accounts/acme/codes/0042", token: h.acmeAdmin).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/codes/0042", token: h.acmeAdmin).status == .notFound)

            let audit = try await client.call(.get, "/api/v1/accounts/acme/audit", token: h.acmeAdmin)
            let actions = audit.array?.compactMap { $0["action"] as? String } ?? []
            #expect(Array(actions.prefix(3)) == ["code.remove", "code.save", "code.add"])
            let save = try #require(audit.array?.first { $0["action"] as? String == "code.save" })
            #expect(save["actor"] as? String == "token:\(h.acmeAdmin.split(separator: "_")[1]) (acme portal)")
            #expect((save["before"] as? String)?.contains("\"active\":true") == true)
            #expect((save["after"] as? String)?.contains("\"active\":false") == true)
        }
    }

    @Test func anAccountThatHidesCodesKeepsThemOutOfTheAuditLog() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            #expect(try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: #"{"hideCodes":true}"#).status == .ok)
            #expect(try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin, body: #"{"code":"8675"}"#).status == .created)
            let audit = try await client.call(.get, "/api/v1/accounts/acme/audit", token: h.operatorToken)
            #expect(audit.status == .ok)
            #expect(!audit.body.contains("8675"))
            #expect(audit.array?.first?["target"] as? String == "code (hidden)")
        }
    }

    @Test func badBodiesNameTheirField() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (#"{"maxRetries":12}"#, .unprocessableContent, "maxRetries"),
                (#"{"defaults":{"colection":"off"}}"#, .badRequest, "defaults.colection"),
                (#"{"defaults":{"collection":"sometimes"}}"#, .badRequest, "defaults.collection"),
                (#"{"codeLength":5}"#, .unprocessableContent, "codeLength"),
                (#"{"maxRetries":"three"}"#, .badRequest, "maxRetries"),
                ("[1,2]", .badRequest, nil),
                ("not json", .badRequest, nil),
            ]
            for (body, status, field) in cases {
                let reply = try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.error?["field"] as? String == field, "\(body)")
                let message = reply.error?["message"] as? String ?? ""
                #expect(message.count > 5)
            }
            await #expect(try h.store.account("acme")?.maxRetries == 3)
        }
    }

    @Test func importsAreAllOrNothingWithEveryBadLine() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let csv = "code,description,active\n1111,good,1\n12,short,1\n2222,fine,maybe\n"
            let reply = try await client.call(.post, "/api/v1/accounts/acme/codes.csv", token: h.acmeAdmin, body: csv, contentType: "text/csv")
            #expect(reply.status == .unprocessableContent)
            let problems = reply.error?["problems"] as? [String] ?? []
            #expect(problems.count == 2)
            #expect(problems.contains { $0.hasPrefix("line 3") })
            #expect(problems.contains { $0.hasPrefix("line 4") })
            await #expect(try h.store.codeCount(account: "acme") == 0)
            let good = try await client.call(.post, "/api/v1/accounts/acme/codes.csv", token: h.acmeAdmin,
                                             body: "code,description,active\n1111,good,1\n2222,=cmd,0\n", contentType: "text/csv")
            #expect(good.object?["added"] as? Int == 2)
            let export = try await client.call(.get, "/api/v1/accounts/acme/codes.csv", token: h.acmeBilling)
            #expect(export.contentType?.hasPrefix("text/csv") == true)
            #expect(export.body.contains("2222,'=cmd,0"))
        }
    }

    @Test func usagePagesTotalsAndTheStreamedExport() async throws {
        let h = try await APIHarness()
        let operations = (0..<25).map { i in
            UsageOperation.record(entry: UsageEntry(route: "outbound", accountID: i % 5 == 0 ? "other" : "acme", user: "1001", callerID: "1001",
                                                    dialed: "0114420\(i)", callClass: "international", asked: "required", incorrectEntries: 0,
                                                    result: "ALLOWED", reason: "code-accepted", code: "0042", uniqueID: "u\(i)",
                                                    linkedID: "u\(i)", channel: "SIP/1001-\(i)"))
        }
        _ = try h.store.applyUsage(operations)
        try await h.run { client in
            var seen: [String] = []
            var after: Int?
            repeat {
                let page = try await client.call(.get, "/api/v1/accounts/acme/usage?limit=7" + (after.map { "&after=\($0)" } ?? ""), token: h.acmeBilling)
                #expect(page.status == .ok)
                seen += (page.object?["entries"] as? [[String: Any]] ?? []).compactMap { $0["uniqueID"] as? String }
                after = page.object?["next"] as? Int
            } while after != nil
            #expect(seen.count == 20)
            #expect(Set(seen).count == 20)
            let csv = try await client.call(.get, "/api/v1/accounts/acme/usage.csv", token: h.acmeBilling)
            let lines = csv.body.split(separator: "\n")
            #expect(lines.first?.hasPrefix("started_at,route,user") == true)
            #expect(lines.count == 21)
            let totals = try await client.call(.get, "/api/v1/accounts/acme/usage/totals?from=2000-01-01", token: h.acmeBilling)
            #expect(totals.array?.first?["calls"] as? Int == 20)
            let badDay = try await client.call(.get, "/api/v1/accounts/acme/usage?from=yesterday", token: h.acmeBilling)
            #expect(badDay.status == .badRequest)
            #expect(badDay.error?["field"] as? String == "from")
        }
    }

    @Test func usersGroupsExplainAndLockouts() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            #expect(try await client.call(.post, "/api/v1/accounts/acme/groups", token: h.acmeAdmin,
                                          body: #"{"name":"paralegals","permission":"local","overrides":{"collection":"required"}}"#).status == .created)
            #expect(try await client.call(.post, "/api/v1/accounts/acme/users", token: h.acmeAdmin,
                                          body: #"{"extensionNumber":"1001","group":"paralegals"}"#).status == .created)
            let enabled = try await client.call(.post, "/api/v1/accounts/acme/users/1001/enable", token: h.acmeAdmin)
            #expect(enabled.object?["enabled"] as? Bool == true)
            let cleared = try await client.call(.patch, "/api/v1/accounts/acme/groups/paralegals", token: h.acmeAdmin,
                                                body: #"{"overrides":{"collection":null}}"#)
            #expect(cleared.status == .ok)
            await #expect(try h.store.group(account: "acme", name: "paralegals")?.overrides.collection == nil)
            let explained = try await client.call(.get, "/api/v1/accounts/acme/explain?user=1001&dialed=011442079460000", token: h.acmeAdmin)
            #expect(explained.object?["callClass"] as? String == "international")
            #expect(explained.object?["group"] as? String == "paralegals")
            let missing = try await client.call(.get, "/api/v1/accounts/acme/explain?user=1001", token: h.acmeAdmin)
            #expect(missing.error?["field"] as? String == "dialed")
            let unlock = try await client.call(.post, "/api/v1/accounts/acme/users/1001/unlock", token: h.acmeAdmin)
            #expect(unlock.object?["wasLocked"] as? Bool == false)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/lockouts", token: h.acmeAdmin).array?.isEmpty == true)
            let device = try await client.call(.delete, "/api/v1/accounts/acme/lockouts/device%3ASIP%2Ftrunk", token: h.acmeAdmin)
            #expect(device.status == .ok)
            #expect(try await client.call(.delete, "/api/v1/accounts/acme/lockouts/nobody", token: h.acmeAdmin).status == .badRequest)
            #expect(try await client.call(.delete, "/api/v1/accounts/acme/users/1001", token: h.acmeAdmin).status == .noContent)
        }
    }

    /// The OpenAPI document lists exactly the routes the server has.
    @Test func theOpenAPIDocumentMatchesTheRoutes() async throws {
        let h = try await APIHarness()
        let routes = Set(h.api.router().routes.map { "\($0.method) \($0.path)" })
        try await h.run { client in
            let reply = try await client.call(.get, "/api/v1/openapi.json", token: nil)
            let paths = try #require(reply.object?["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(routes.count > 30)
            #expect(documented == routes)
        }
    }
}

/// The API's edges as issue 20 found them: what each role sees, which refusal comes first, 405s.
@Suite struct APIEdgeTests {
    @Test func aBillingTokenListingAccountsSeesIdsNotSettings() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let billing = try await client.call(.get, "/api/v1/accounts", token: h.acmeBilling)
            #expect(billing.status == .ok)
            #expect(billing.array?.count == 1)
            #expect(billing.array?.first?.keys.sorted() == ["id"])
            #expect(billing.array?.first?["id"] as? String == "acme")
            let admin = try await client.call(.get, "/api/v1/accounts", token: h.acmeAdmin)
            #expect(admin.array?.first?["defaults"] != nil)
            #expect(admin.array?.first?["allowedSources"] != nil)
        }
    }

    @Test func roleAndTenantAreCheckedBeforeTheBody() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            for (method, path) in [(HTTPRequest.Method.patch, "/api/v1/accounts/acme/codes/1234"), (.post, "/api/v1/accounts/acme/codes"),
                                   (.patch, "/api/v1/accounts/acme"), (.post, "/api/v1/accounts/acme/users")] {
                let billing = try await client.call(method, path, token: h.acmeBilling, body: #"{"bogus":1}"#)
                #expect(billing.status == .forbidden, "\(method) \(path)")
                let other = try await client.call(method, path, token: h.otherAdmin, body: "not json")
                #expect(other.status == .notFound, "\(method) \(path)")
            }
            // The admin gets the body's fault, as before.
            let admin = try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: #"{"bogus":1}"#)
            #expect(admin.status == .badRequest)
        }
    }

    @Test func aMethodAPathDoesNotTakeIs405WithAllow() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            for method in [HTTPRequest.Method.trace, HTTPRequest.Method(rawValue: "QUERY")!, .put, .delete] {
                let reply = try await client.execute(uri: "/api/v1/accounts/acme", method: method,
                                                     headers: [.authorization: "Bearer \(h.acmeAdmin)"]) { $0 }
                #expect(reply.status == .methodNotAllowed, "\(method)")
                #expect(reply.headers[.allow] == "GET, HEAD, PATCH", "\(method)")
            }
            let metrics = try await client.execute(uri: "/metrics", method: .trace) { $0 }
            #expect(metrics.status == .methodNotAllowed)
            #expect(metrics.headers[.allow] == "GET, HEAD")
            let head = try await client.execute(uri: "/api/v1/openapi.json", method: .head) { $0 }
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            // A path the API does not have is still 404.
            #expect(try await client.call(.trace, "/api/v1/nothing", token: h.acmeAdmin).status == .notFound)
        }
    }

    @Test func theDocumentNamesNoFixedServerAndIsStrict() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let doc = try #require(try await client.call(.get, "/api/v1/openapi.json", token: nil).object)
            #expect((doc["servers"] as? [[String: Any]])?.first?["url"] as? String == "/")
            let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            for name in ["Account", "AccountChange", "Code", "CodeChange", "Group", "GroupChange", "User", "UserChange", "Settings",
                         "Overrides", "NumberingPlan"] {
                #expect(schemas[name]?["additionalProperties"] as? Bool == false, "\(name)")
            }
            let code = (schemas["Code"]?["properties"] as? [String: [String: Any]])?["code"]
            #expect(code?["pattern"] as? String == "^[0-9]{3,7}$")
        }
    }
}

/// The API and the admin layer over the memory store: nothing above the admin port knows SQLite.
@Suite struct AnyStoreTests {
    @Test func theAPIServesFromTheMemoryStore() async throws {
        let store = MemoryStore()
        let cli = Admin(store: store, principal: .commandLine(user: "test"))
        var account = Account(id: "acme")
        account.codeLength = 4
        _ = try await cli.saveAccount(account, enableAllUsers: false)
        let token = try await cli.createToken(name: "portal", role: .accountAdmin, account: "acme").token
        var configuration = OperatorAPI.Configuration()
        configuration.allowList = nil
        let api = OperatorAPI(store: store, configuration: configuration, logger: Logger(label: "test"))
        try await Application(router: api.router().router).test(.router) { client in
            let added = try await client.call(.post, "/api/v1/accounts/acme/codes", token: token, body: #"{"code":"1234","description":"Smith"}"#)
            #expect(added.status == .created)
            let imported = try await client.call(.post, "/api/v1/accounts/acme/codes.csv", token: token,
                                                 body: "code,description,active\n5678,Jones,1\n", contentType: "text/csv")
            #expect(imported.object?["added"] as? Int == 1)
            let codes = try await client.call(.get, "/api/v1/accounts/acme/codes", token: token)
            #expect(codes.array?.compactMap { $0["code"] as? String } == ["1234", "5678"])
            #expect(try await client.call(.get, "/api/v1/accounts/acme/codes/0000", token: token).status == .notFound)
            let audit = try await client.call(.get, "/api/v1/accounts/acme/audit", token: token)
            #expect(audit.array?.compactMap { $0["action"] as? String }.prefix(2) == ["code.import", "code.add"])
        }
    }
}
