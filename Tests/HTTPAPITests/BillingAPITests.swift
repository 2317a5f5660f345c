import Foundation
import StoreCore
import Hummingbird
import HummingbirdTesting
import Testing

/// Billing terms through the API and the report they make (issue 24).
@Suite struct BillingAPITests {
    @Test func termsAreSetByPatchAndTheReportBillsByThem() async throws {
        let h = try await APIHarness()
        try h.call(uniqueID: "r1", code: "1234", billsec: 10)
        try h.call(uniqueID: "r2", code: "1234", billsec: 361)
        try h.call(uniqueID: "r3", code: "5678", billsec: 61)
        try h.call(uniqueID: "r4", code: "5678", billsec: 0)
        try h.call(account: "other", uniqueID: "o1", code: "1234", billsec: 9_000)
        try await h.run { client in
            // Only the increment: the rest stays standard.
            let patched = try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: #"{"billing":{"increment":360}}"#)
            #expect(patched.status == .ok)
            let account = try await client.call(.get, "/api/v1/accounts/acme", token: h.acmeAdmin)
            let billing = (account.object?["account"] as? [String: Any])?["billing"] as? [String: Any]
                ?? account.object?["billing"] as? [String: Any]
            #expect(billing?["increment"] as? Int == 360 && billing?["minimum"] as? Int == 0)
            #expect(try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin,
                                          body: #"{"billing":{"rate":"300.00","minimum":720}}"#).status == .ok)
            for bad in [#"{"billing":{"increment":0}}"#, #"{"billing":{"rate":"1.005"}}"#, #"{"billing":{"rate":300}}"#,
                        #"{"billing":{"rounding":"up"}}"#] {
                let refused = try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeAdmin, body: bad)
                #expect(refused.status == .badRequest || refused.status == .unprocessableContent, "\(bad)")
            }
            let added = try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin,
                                              body: #"{"code":"5678","description":"Acme","billing":{"increment":60,"rate":"120.00"}}"#)
            #expect(added.status == .created)
            #expect(try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin,
                                          body: #"{"code":"1234","description":"Acme"}"#).status == .created)
            // A billing token reads the report and may not change the terms.
            #expect(try await client.call(.patch, "/api/v1/accounts/acme", token: h.acmeBilling,
                                          body: #"{"billing":{"increment":1}}"#).status == .forbidden)
            let report = try #require(try await client.call(.get, "/api/v1/accounts/acme/usage/report", token: h.acmeBilling).object)
            let codes = try #require(report["codes"] as? [[String: Any]])
            #expect(codes.compactMap { $0["code"] as? String } == ["1234", "5678"])
            // 10 s and 361 s at the account's 720 s minimum and 360 s increments: 720 + 720.
            #expect(codes[0]["billedSeconds"] as? Int == 1440 && codes[0]["amount"] as? String == "120.00")
            // The code's own 60 s increments (the account's minimum still applies); 0 s bills nothing.
            #expect(codes[1]["billedSeconds"] as? Int == 720 && codes[1]["amount"] as? String == "24.00")
            let clients = try #require(report["clients"] as? [[String: Any]])
            #expect(clients.count == 1 && clients.first?["amount"] as? String == "144.00")
            #expect(report["calls"] as? Int == 4)
            let csv = try await client.call(.get, "/api/v1/accounts/acme/usage/report.csv?by=client", token: h.acmeBilling)
            #expect(csv.status == .ok && csv.contentType?.hasPrefix("text/csv") == true)
            #expect(csv.body == "description,codes,calls,billsec,billed_seconds,billed_hours,amount\nAcme,1234 5678,4,432,2160,0.60,144.00\n")
            #expect(try await client.call(.get, "/api/v1/accounts/acme/usage/report.csv?by=matter", token: h.acmeBilling).status == .badRequest)
            // Another tenant's report does not exist for this token, as for every cross-tenant request.
            #expect(try await client.call(.get, "/api/v1/accounts/other/usage/report", token: h.acmeBilling).status == .notFound)
        }
    }

    /// A correction through the API: an account admin's, never a billing token's or another
    /// tenant's; the report bills the corrected code and the entry shows both.
    @Test func aCallsCodeIsCorrectedByAnAdminOnly() async throws {
        let h = try await APIHarness()
        try h.call(uniqueID: "w1", code: "1234", billsec: 60)
        let id = try #require(try h.store.usage(UsageFilter(accountID: "acme")).first?.id)
        try await h.run { client in
            #expect(try await client.call(.post, "/api/v1/accounts/acme/codes", token: h.acmeAdmin, body: #"{"code":"5678","description":"Jones"}"#).status == .created)
            let path = "/api/v1/accounts/acme/usage/\(id)/correction"
            let body = #"{"code":"5678","reason":"keyed the wrong matter\nper Ann"}"#
            #expect(try await client.call(.put, path, token: h.acmeBilling, body: body).status == .forbidden)
            #expect(try await client.call(.put, path.replacingOccurrences(of: "/acme/", with: "/other/"), token: h.otherAdmin, body: body).status == .notFound)
            #expect(try await client.call(.put, path, token: h.otherAdmin, body: body).status == .notFound)
            #expect(try await client.call(.put, path, token: h.acmeAdmin, body: #"{"code":"5678"}"#).status == .badRequest)
            #expect(try await client.call(.put, path, token: h.acmeAdmin, body: #"{"code":"56","reason":"x"}"#).status == .unprocessableContent)
            #expect(try await client.call(.put, path, token: h.acmeAdmin, body: #"{"code":"5678","reason":"x","by":"me"}"#).status == .badRequest)
            #expect(try await client.call(.put, "/api/v1/accounts/acme/usage/abc/correction", token: h.acmeAdmin, body: body).status == .badRequest)
            #expect(try await client.call(.put, "/api/v1/accounts/acme/usage/999999/correction", token: h.acmeAdmin, body: body).status == .notFound)
            let done = try await client.call(.put, path, token: h.acmeAdmin, body: body)
            #expect(done.status == .ok)
            let correction = done.object?["correction"] as? [String: Any]
            #expect(correction?["code"] as? String == "5678" && correction?["reason"] as? String == "keyed the wrong matter per Ann")
            #expect(done.object?["code"] as? String == "1234", "the code as keyed stays")
            // The billing token reads the correction and bills by it.
            let page = try await client.call(.get, "/api/v1/accounts/acme/usage", token: h.acmeBilling)
            #expect(((page.object?["entries"] as? [[String: Any]])?.first?["correction"] as? [String: Any])?["code"] as? String == "5678")
            let report = try await client.call(.get, "/api/v1/accounts/acme/usage/report", token: h.acmeBilling)
            #expect((report.object?["codes"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["5678"])
            let audit = try await client.call(.get, "/api/v1/accounts/acme/audit", token: h.acmeAdmin)
            #expect(audit.array?.first?["action"] as? String == "usage.correct")
            let undone = try await client.call(.put, path, token: h.acmeAdmin, body: #"{"code":null,"reason":"it was Smith"}"#)
            #expect(undone.status == .ok && undone.object?["correction"] == nil)
        }
    }
}
