import FakeAsterisk
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PostgresStore
import StoreCore
import TestSupport
import Testing

/// Two `acctcodes serve` processes on one PostgreSQL database, as a hosted PBX runs them: the fake
/// Asterisk calls both. Runs when `ACCTCODES_TEST_POSTGRES` names a server (`.ci/run` starts one).
@Suite(.serialized, .enabled(if: TestPostgres.server != nil, "no PostgreSQL: set ACCTCODES_TEST_POSTGRES (.ci/run does)"))
struct TwoServerTests {
    static func configured() async throws -> CLI {
        let cli = CLI(postgres: try await TestPostgres.freshDatabase().withoutPasswordURL)
        try await cli.ok(["account", "set", "--code-length", "4", "--max-retries", "1", "--allow-account-codes", "on",
                          "--calls-requiring-codes", "international"])
        try await cli.ok(["code", "add", "1234", "--description", "Acme"])
        try await cli.ok(["account", "set", "--validate-when-dialed", "on"])
        try await cli.ok(["user", "add", "1001", "--enabled"])
        return cli
    }

    /// A busy machine must not turn these into outage tests: the database gets 10 s a query.
    static let patient = ["--commit-wait", "10000"]

    static func call(_ server: ServerProcess, keys: String, uniqueID: String) async throws -> SessionRecord {
        var environment = SessionEnvironment(script: "outbound?user=1001&number=011442079460000")
        environment.uniqueID = uniqueID
        return try await FakeAsteriskClient(port: server.port).run(environment, script: CallScript(keys: keys))
    }

    @Test func aChangeThroughOneServersAPIIsSeenByACallOnTheOther() async throws {
        let cli = try await Self.configured()
        let token = try await cli.ok(["token", "create", "--name", "test", "--role", "operator"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let a = try await ServerProcess(cli: cli, extra: ["--http-listen", "127.0.0.1:0"] + Self.patient)
        let b = try await ServerProcess(cli: cli, extra: Self.patient)
        defer { a.stop(); b.stop() }
        try await a.ready()
        try await b.ready()
        #expect(try await Self.call(b, keys: "5678#", uniqueID: "before.1")[variable: "ACCTCODE_REASON"] == "max-retries")
        let added = try await http("POST", "http://127.0.0.1:\(try await a.httpPort())/api/v1/accounts/default/codes", token: token,
                                   body: #"{"code":"5678","description":"New client"}"#)
        #expect(added == 201)
        // Server B learns of it by itself (a notification; the revision poll at worst): no restart, no reload command.
        var result = ""
        let start = ContinuousClock.now
        for attempt in 0..<100 {
            result = try await Self.call(b, keys: "5678#", uniqueID: "after.\(attempt)")[variable: "ACCTCODE_RESULT"] ?? ""
            if result == "ACCEPTED" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(result == "ACCEPTED", "server B never accepted the code added through server A")
        print("a code added through server A was accepted by server B after \(ContinuousClock.now - start)")
    }

    @Test func aGuessingRobotAlternatingServersIsLockedOutAfterTheSameNumberOfGuesses() async throws {
        let cli = try await Self.configured()
        try await cli.ok(["account", "set", "--lockout-after", "4", "--lockout-window", "60", "--lockout-minutes", "30"])
        let a = try await ServerProcess(cli: cli, extra: Self.patient)
        let b = try await ServerProcess(cli: cli, extra: Self.patient)
        defer { a.stop(); b.stop() }
        try await a.ready()
        try await b.ready()
        var results: [String] = []
        for guess in 0..<6 {
            let record = try await Self.call(guess % 2 == 0 ? a : b, keys: String(format: "%04d#", 9000 + guess), uniqueID: "robot.\(guess)")
            results.append(record[variable: "ACCTCODE_REASON"] ?? "")
        }
        // The fourth wrong code over two servers locks the caller out, as the fourth on one server
        // would: every later call is refused at once, even with the right code, on either server.
        #expect(results == ["max-retries", "max-retries", "max-retries", "max-retries", "locked-out", "locked-out"])
        for server in [a, b] {
            let record = try await Self.call(server, keys: "1234#", uniqueID: "robot.right.\(server.port)")
            #expect(record[variable: "ACCTCODE_ALLOW"] == "0")
        }
        let lockouts = try await cli.ok(["lockout", "list"])
        #expect(lockouts.contains("user:1001") || lockouts.contains("1001"), "\(lockouts)")
    }

    @Test func anInstallMovesFromSQLiteToPostgreSQLChecked() async throws {
        let sqlite = try await ServerProcessTests.configured()
        let old = try await ServerProcess(cli: sqlite)
        defer { old.stop() }
        try await old.ready()
        for id in ["moved.1", "moved.2"] {
            #expect(try await Self.call(old, keys: "1234#", uniqueID: id)[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        }
        old.stop()
        try await old.process.exit()
        let target = try await TestPostgres.freshDatabase().withoutPasswordURL
        let out = try await sqlite.ok(["migrate", "--from", sqlite.database, "--to", target])
        #expect(out.contains("copied 1 accounts, 0 groups, 1 users, 1 codes") && out.contains("copied 2 usage-log entries"), "\(out)")
        #expect(out.contains("verified"))
        let again = try await sqlite.run(["migrate", "--from", sqlite.database, "--to", target])
        #expect(again.status != 0 && again.stderr.contains("already holds data"), "\(again.stderr)")
        // The moved install answers calls and keeps its usage log.
        let cli = CLI(postgres: target)
        let server = try await ServerProcess(cli: cli, extra: Self.patient)
        defer { server.stop() }
        try await server.ready()
        #expect(try await Self.call(server, keys: "1234#", uniqueID: "moved.3")[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        let usage = try await cli.ok(["usage", "list"])
        #expect(usage.split(separator: "\n").count == 4, "\(usage)")
    }

    /// A browser signed in through one server is signed in on the other (a balancer may send it
    /// anywhere), signing out on one ends it on both, and failed sign-ins add up across servers.
    @Test func consoleSessionsAndTheSignInLimitAreSharedByTheServers() async throws {
        let cli = try await Self.configured()
        let token = try await cli.ok(["token", "create", "--name", "ops", "--role", "operator"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let a = try await ServerProcess(cli: cli, extra: ["--http-listen", "127.0.0.1:0"] + Self.patient)
        let b = try await ServerProcess(cli: cli, extra: ["--http-listen", "127.0.0.1:0"] + Self.patient)
        defer { a.stop(); b.stop() }
        try await a.ready()
        try await b.ready()
        let (pa, pb) = (try await a.httpPort(), try await b.httpPort())
        let signedIn = try await Browser.send("POST", "http://127.0.0.1:\(pa)/console/signin", body: "token=\(token)")
        #expect(signedIn.status == 303)
        let cookie = try #require(signedIn.cookie)
        let page = "/console/a/default/codes"
        #expect(try await Browser.send("GET", "http://127.0.0.1:\(pb)\(page)", cookie: cookie).status == 200, "B knows A's session")
        #expect(try await Browser.send("POST", "http://127.0.0.1:\(pb)/console/signout", cookie: cookie).status == 303)
        #expect(try await Browser.send("GET", "http://127.0.0.1:\(pa)\(page)", cookie: cookie).status == 303, "signed out on both")
        // Five wrong keys, spread over both servers, lock the address out on both.
        let wrong = "token=act_0000000000_" + String(repeating: "x", count: 43)
        for attempt in 0..<5 {
            let reply = try await Browser.send("POST", "http://127.0.0.1:\(attempt % 2 == 0 ? pa : pb)/console/signin", body: wrong)
            #expect(reply.status == 401)
        }
        for port in [pa, pb] {
            let blocked = try await Browser.send("POST", "http://127.0.0.1:\(port)/console/signin", body: "token=\(token)")
            #expect(blocked.status == 429 && blocked.cookie == nil)
        }
    }

    func http(_ method: String, _ url: String, token: String, body: String) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// A browser's requests without a browser: no redirects followed, cookies read from the reply.
enum Browser {
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    static func send(_ method: String, _ url: String, body: String? = nil, cookie: String? = nil) async throws -> (status: Int, cookie: String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        let (_, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        let setCookie = http?.value(forHTTPHeaderField: "Set-Cookie").map { String($0.prefix { $0 != ";" }) }
        return (http?.statusCode ?? 0, setCookie.flatMap { $0.hasSuffix("=") ? nil : $0 })
    }
}

extension PostgresLocation {
    /// The address as `--db` takes it (the password stays in the environment).
    var withoutPasswordURL: String { description + "?sslmode=" + tls.rawValue }
}
