import FakeAsterisk
import Foundation
import StoreCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import TestSupport
import Testing

/// `serve` with its HTTP API and config file, as an admin installs it.
@Suite struct OperatorInterfaceTests {
    func writeConfig(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        ("fastagi:\n  max_conections: 5\n", "unknown key fastagi.max_conections"),
        ("fastagi:\n  max_connections: lots\n", "key fastagi.max_connections"),
        ("calls:\n  fail_mode: maybe\n", "config key calls.fail_mode: maybe"),
        ("http:\n  listen: nowhere\n", "http.listen nowhere"),
        ("fastagi:\n  allow: [10.0.0.0/33]\n", "fastagi.allow 10.0.0.0/33"),
        ("logging: loud\n", "unknown key logging"),
        ("fastagi: [1, 2\n", "not valid YAML"),
    ])
    func aBadConfigFileStopsTheStartNamingTheKey(text: String, expected: String) async throws {
        let path = try writeConfig(text)
        let result = try await CLI().run(["serve", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test func theShippedExampleConfigIsValid() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../dist/acctcodes.yaml").standardized.path
        let text = try String(contentsOfFile: example, encoding: .utf8)
        // Its paths are the service's; here the database is the test's.
        let path = try writeConfig(text.replacingOccurrences(of: "/var/lib/acctcodes/acctcodes.sqlite", with: CLI().database))
        let out = try await CLI().ok(["serve", "--config", path, "--check"])
        #expect(out.contains("fastagi 127.0.0.1:4573"))
        #expect(out.contains("http 127.0.0.1:8080"))
        // A flag wins over the file.
        let flagged = try await CLI().ok(["serve", "--config", path, "--http-listen", "off", "--check"])
        #expect(flagged.contains("http off"))
    }

    /// The README's walk-through: a token, a code through the API, calls, totals and metrics.
    @Test func theAPIServesTokensCodesTotalsAndMetricsBesideTheCalls() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on", "--calls-requiring-codes", "international"])
        try await cli.ok(["user", "add", "1001", "--enabled"])
        let token = try await cli.ok(["token", "create", "--name", "portal", "--role", "account-admin"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess(cli: cli, extra: ["--http-listen", "127.0.0.1:0"])
        defer { server.stop() }
        try await server.ready()
        var httpPort = 0
        try await ChildProcess.waitUntil("the HTTP API to listen") {
            guard let match = server.log.firstMatch(of: #/Server started and listening on 127\.0\.0\.1:(\d+)/#) else { return false }
            httpPort = Int(match.1) ?? 0
            return true
        }
        let base = "http://127.0.0.1:\(httpPort)"
        let added = try await http("POST", base + "/api/v1/accounts/default/codes", token: token, body: #"{"code":"4321","description":"Acme"}"#)
        #expect(added.status == 201)
        let validating = try await http("PATCH", base + "/api/v1/accounts/default", token: token, body: #"{"defaults":{"validateWhenDialed":true}}"#)
        #expect(validating.status == 200)
        for keys in ["4321", "99994321"] {
            let out = try await cli.ok(["call", "--server", "127.0.0.1:\(server.port)", "--user", "1001", "--dial", "011442079460000",
                                        "--keys", keys])
            #expect(out.contains("result: ACCEPTED"))
        }
        let totals = try await http("GET", base + "/api/v1/accounts/default/usage/totals", token: token)
        #expect(totals.body.contains(#""calls":2"#))
        #expect(totals.body.contains(#""code":"4321""#))
        let metrics = try await http("GET", base + "/metrics", token: nil).body
        #expect(metrics.contains(#"acctcodes_sessions_total{route="outbound",result="ACCEPTED"} 2"#))
        #expect(metrics.contains("acctcodes_prompts_total 2"))
        #expect(metrics.contains("acctcodes_incorrect_entries_total 1"))
        #expect(metrics.contains("acctcodes_usage_commit_seconds_count"))
        #expect(metrics.contains("acctcodes_store_read_seconds_count"))
        #expect(metrics.contains(#"acctcodes_http_requests_total{route="/api/v1/accounts/{account}/codes",method="POST",status="201"} 1"#))
        #expect(try await http("GET", base + "/api/v1/accounts", token: nil).status == 401)
    }

    func http(_ method: String, _ url: String, token: String?, body: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { request.httpBody = Data(body.utf8); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
