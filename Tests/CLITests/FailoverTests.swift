import FakeAsterisk
import Foundation
import PostgresStore
import StoreCore
import TestSupport
import Testing

/// Servers that die while calls are in progress, on one PostgreSQL: the fake Asterisk asks the
/// servers in order, as the shipped dialplan does (`ServerList`), and no call is refused, lost or
/// counted twice.
@Suite(.serialized, .enabled(if: TestPostgres.server != nil, "no PostgreSQL: set ACCTCODES_TEST_POSTGRES (.ci/run does)"))
struct FailoverTests {
    static func servers(_ cli: CLI) async throws -> (ServerProcess, ServerProcess) {
        let a = try await ServerProcess(cli: cli, extra: TwoServerTests.patient)
        let b = try await ServerProcess(cli: cli, extra: TwoServerTests.patient)
        try await a.ready()
        try await b.ready()
        return (a, b)
    }

    static func outbound(uniqueID: String, request: String) -> SessionEnvironment {
        SessionEnvironment.call(route: "outbound", account: "default", user: "1001", dial: "011442079460000", uniqueID: uniqueID,
                                pbx: "pbx-a", request: request)
    }

    @Test func aCallerWhoseServerDiesAtThePromptIsPromptedAgainByTheNextAndTheCallIsOneEntry() async throws {
        let cli = try await TwoServerTests.configured()
        try await cli.ok(["account", "set", "--max-retries", "3", "--lockout-after", "2", "--lockout-window", "60"])
        let (a, b) = try await Self.servers(cli)
        defer { a.stop(); b.stop() }
        let environment = Self.outbound(uniqueID: "1796000000.7", request: "1796000000.123456")
        // Server A hears one wrong code, then dies while the caller hears its second prompt.
        let side = KillAtPrompt(inner: AsteriskResponder(script: CallScript(keys: "9999#")), prompt: 2, pid: a.process.pid)
        let cut = try await FakeAsteriskClient(port: a.port).run(preamble: environment.wireText, side: side)
        #expect(cut[variable: "ACCTCODE_ALLOW"] == nil && cut.ending == .serverClosed)
        try await a.process.exit()
        // The dialplan asks again, A first (refused now), then B, which prompts again.
        let list = ServerList([FakeAsteriskClient(port: a.port), FakeAsteriskClient(port: b.port)])
        let retried = await list.run(environment, script: CallScript(keys: "1234#"))
        #expect(retried.server == 1 && retried.unreachable == 1)
        #expect(retried.answer?[variable: "ACCTCODE_RESULT"] == "ACCEPTED")
        var hangup = SessionEnvironment.call(route: "hangup", account: "default", user: "1001", dial: "", uniqueID: "1796000000.7",
                                             pbx: "pbx-a", request: "1796000001.000001",
                                             extraQuery: ["dialstatus=ANSWER", "answeredat=1796000010", "endedat=1796000070", "duration=75"])
        hangup.callerID = "1001"
        let ended = await list.run(hangup, script: CallScript(startsDead: true))
        #expect(ended.answer?[variable: "ACCTCODES_LOGGED"] == "RECORDED")

        let entries = try await Self.usage(cli)
        #expect(entries.count == 1, "\(entries)")
        let entry = try #require(entries.first)
        #expect(entry.uniqueID == "1796000000.7" && entry.pbx == "pbx-a" && entry.result == "ACCEPTED" && entry.code == "1234")
        #expect(entry.disposition == "ANSWER" && entry.billsec != nil, "the hangup, taken by B, found the call's one entry")
        // The wrong code keyed at server A counted: one more on B locks the caller out (after 2).
        let next = try await FakeAsteriskClient(port: b.port).run(Self.outbound(uniqueID: "1796000000.8", request: "1796000002.1"),
                                                                 script: CallScript(keys: "8888#"))
        #expect(next[variable: "ACCTCODE_REASON"] == "locked-out", "\(next.variables)")
    }

    @Test func loadOverTwoServersWithOneKilledMidRunRefusesLosesAndDoublesNothing() async throws {
        let cli = try await TwoServerTests.configured()
        let (a, b) = try await Self.servers(cli)
        defer { a.stop(); b.stop() }
        let list = "127.0.0.1:\(a.port),127.0.0.1:\(b.port)"
        let load = Task {
            try await cli.ok(["load", "--server", list, "--concurrency", "20", "--duration", "6",
                              "--keys", "1234#", "--pbx", "pbx-a", "--json"])
        }
        // Kill A once it has answered calls, whatever the machine's speed.
        let store = try await PostgresStore.open(try PostgresLocation(cli.database), deadline: .seconds(60), callPath: false)
        for _ in 0..<1200 {
            if try await store.usagePage(UsageFilter(accountID: "default"), afterID: nil, limit: 50).count == 50 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        await store.close()
        a.process.signal(SIGKILL)
        let out = try await load.value
        let report = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let sessions = try #require(report["sessions"] as? Int)
        #expect(report["errors"] as? Int == 0, "\(out)")
        #expect((report["retried"] as? Int ?? 0) > 0, "A was killed mid-run: later calls were answered by B\n\(out)")
        #expect(report["results"] as? [String: Int] == ["ACCEPTED": sessions], "no call refused\n\(out)")
        let entries = try await Self.usage(cli)
        let calls = Dictionary(grouping: entries, by: \.uniqueID)
        #expect(entries.count == sessions, "one entry per answered call")
        #expect(calls.values.allSatisfy { $0.count == 1 }, "no call doubled")
        #expect(entries.allSatisfy { $0.pbx == "pbx-a" && $0.result == "ACCEPTED" })
    }

    static func usage(_ cli: CLI) async throws -> [UsageEntry] {
        let store = try await PostgresStore.open(try PostgresLocation(cli.database), deadline: .seconds(60), callPath: false)
        let entries = try await store.usagePage(UsageFilter(accountID: "default"), afterID: nil, limit: 100_000)
        await store.close()
        return entries
    }
}

/// Asterisk's side, killing the server the moment the caller's `prompt`-th `GET DATA` arrives:
/// the server dies while the caller hears the prompt.
struct KillAtPrompt: AsteriskSide {
    var inner: AsteriskResponder
    let prompt: Int
    let pid: Int32
    var prompts = 0

    mutating func respond(to line: String) -> AsteriskAction {
        if line.uppercased().hasPrefix("GET DATA") {
            prompts += 1
            if prompts == prompt {
                kill(pid, SIGKILL)
                return .stall
            }
        }
        return inner.respond(to: line)
    }

    func finish(into record: inout SessionRecord) { inner.finish(into: &record) }
}
