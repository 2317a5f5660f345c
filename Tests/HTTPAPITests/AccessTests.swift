import Foundation
import HTTPTypes
import Testing

/// Every role boundary, through the HTTP layer.
@Suite struct AccessTests {
    @Test func noTokenABadOneAndARevokedOneAreRefused() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            for token in [nil, "act_nonsense", h.revoked] {
                let reply = try await client.call(.get, "/api/v1/accounts", token: token)
                #expect(reply.status == .unauthorized)
                #expect(reply.error?["kind"] as? String == "unauthenticated")
            }
            // The document and the metrics need none.
            #expect(try await client.call(.get, "/api/v1/openapi.json", token: nil).status == .ok)
            let metrics = try await client.call(.get, "/metrics", token: nil)
            #expect(metrics.body.contains("acctcodes_test_total 1"))
        }
    }

    @Test func aBillingTokenReadsButCannotWrite() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            #expect(try await client.call(.get, "/api/v1/accounts/acme/codes", token: h.acmeBilling).status == .ok)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/usage", token: h.acmeBilling).status == .ok)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/usage.csv", token: h.acmeBilling).status == .ok)
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/api/v1/accounts/acme/codes", #"{"code":"1234"}"#),
                (.patch, "/api/v1/accounts/acme", #"{"name":"x"}"#),
                (.post, "/api/v1/accounts/acme/users", #"{"extensionNumber":"1001"}"#),
                (.post, "/api/v1/accounts/acme/codes.csv", "code,description,active\n1234,x,1\n"),
            ]
            for (method, path, body) in writes {
                let reply = try await client.call(method, path, token: h.acmeBilling, body: body,
                                                  contentType: path.hasSuffix(".csv") ? "text/csv" : "application/json")
                #expect(reply.status == .forbidden, "\(method) \(path)")
            }
            #expect(try await client.call(.get, "/api/v1/accounts/acme/users", token: h.acmeBilling).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/audit", token: h.acmeBilling).status == .forbidden)
            await #expect(try h.store.codeCount(account: "acme") == 0)
        }
    }

    @Test func anAccountAdminCannotSeeAnotherAccount() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let accounts = try await client.call(.get, "/api/v1/accounts", token: h.acmeAdmin)
            #expect(accounts.array?.compactMap { $0["id"] as? String } == ["acme"])
            for path in ["/api/v1/accounts/other", "/api/v1/accounts/other/codes", "/api/v1/accounts/other/usage", "/api/v1/accounts/other/audit"] {
                let reply = try await client.call(.get, path, token: h.acmeAdmin)
                // Not found, as for an account that does not exist: a tenant learns nothing of others.
                #expect(reply.status == .notFound, "\(path)")
            }
            let write = try await client.call(.post, "/api/v1/accounts/other/codes", token: h.acmeAdmin, body: #"{"code":"1234"}"#)
            #expect(write.status == .notFound)
            #expect(try await client.call(.get, "/api/v1/audit", token: h.acmeAdmin).status == .forbidden)
            await #expect(try h.store.codeCount(account: "other") == 0)
            // The operator sees both.
            let all = try await client.call(.get, "/api/v1/accounts", token: h.operatorToken)
            #expect(Set(all.array?.compactMap { $0["id"] as? String } ?? []) == ["acme", "other"])
        }
    }

    @Test func sourcesAndNewAccountsAreTheOperatorsAlone() async throws {
        let h = try await APIHarness()
        try await h.run { client in
            let bind = #"{"allowedSources":["10.1.2.0/24"]}"#
            #expect(try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: bind).status == .forbidden)
            #expect(try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: #"{"name":"Acme LLP"}"#).status == .ok)
            let saved = try await client.call(.patch, "/api/v1/accounts/acme", token: h.operatorToken, body: bind)
            #expect(saved.status == .ok)
            // Tenancy is now on: the account with no sources is named.
            #expect(saved.object?["closedAccounts"] as? [String] == ["other"])
            #expect(try await client.call(.patch, "/api/v1/accounts/newco", token: h.acmeAdmin, body: "{}").status == .notFound)
            #expect(try await client.call(.patch, "/api/v1/accounts/newco", token: h.operatorToken, body: "{}").status == .ok)
            await #expect(try h.store.account("newco") != nil)
        }
    }
}
