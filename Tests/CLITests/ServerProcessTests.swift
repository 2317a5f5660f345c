import FakeAsterisk
import Foundation
import Store
import StoreCore
import Subprocess
import TestSupport
import Testing

/// Runs `acctcodes serve` as its own process, as an admin would.
final class ServerProcess {
    let process: RunningProcess
    /// Known once the server logs where it listens: it binds port 0, so no test can pick a port
    /// another test's connections already use.
    private(set) var port = 0
    /// The server's log goes to a file: a pipe nobody drains fills after 64 KB and stalls the server.
    let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-serve-\(UUID().uuidString).log").path

    init(cli: CLI, extra: [String] = []) async throws {
        // On PostgreSQL each server has a spool of its own, as each host has its own disk.
        let spool = cli.database.hasPrefix("postgres://") ? ["--spool", cli.dir.appendingPathComponent("\(UUID().uuidString).spool.jsonl").path] : []
        let arguments = ["serve", "--db", cli.database, "--listen", "127.0.0.1:0"] + spool
            + (extra.contains("--http-listen") ? [] : ["--http-listen", "off"]) + extra
        process = try await RunningProcess.start(CLI.executable.path, arguments, error: logPath)
    }

    /// Waits until the server logs its address and `ping` answers there.
    func ready() async throws {
        try await ChildProcess.waitUntil("the server to listen") {
            guard process.isRunning else { throw CLI.Failure(message: "server exited: \(log)") }
            guard let match = log.firstMatch(of: #/address=\S*:(\d+) .*\] listening/#), let bound = Int(match.1) else { return false }
            port = bound
            return true
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let record = try? await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping")),
               record[variable: "ACCTCODES_PING"] == "pong" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CLI.Failure(message: "server did not start")
    }

    /// Asks the server to stop (SIGTERM) without waiting: a test's `defer`, whatever happened.
    func stop() {
        process.terminate()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The HTTP API's port, once the server logs it (started with `--http-listen 127.0.0.1:0`).
    func httpPort() async throws -> Int {
        var port = 0
        try await ChildProcess.waitUntil("the HTTP API to listen") {
            guard let match = log.firstMatch(of: #/Server started and listening on 127\.0\.0\.1:(\d+)/#) else { return false }
            port = Int(match.1) ?? 0
            return true
        }
        return port
    }
}

/// Asterisk's side, killing the server the moment it is told the call may go ahead.
struct KillOnAllow: AsteriskSide {
    var inner: AsteriskResponder
    let pid: Int32

    /// Kills the server the instant a command sets `ACCTCODE_ALLOW=1` (by `EXEC MSet` or `SET VARIABLE`), before it sees a reply.
    mutating func respond(to line: String) -> AsteriskAction {
        let action = inner.respond(to: line)
        if inner.variables["ACCTCODE_ALLOW"] == "1" { kill(pid, SIGKILL) }
        return action
    }

    func finish(into record: inout SessionRecord) { inner.finish(into: &record) }
}

@Suite(.serialized) struct ServerProcessTests {
    static func configured() async throws -> CLI {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on", "--calls-requiring-codes", "international"])
        try await cli.ok(["code", "add", "1234", "--description", "Acme"])
        try await cli.ok(["account", "set", "--validate-when-dialed", "on"])
        try await cli.ok(["user", "add", "1001", "--enabled"])
        return cli
    }

    @Test func entryIsInTheLogWhenTheServerIsKilledRightAfterAllowing() async throws {
        let cli = try await Self.configured()
        let server = try await ServerProcess(cli: cli)
        defer { server.stop() }
        try await server.ready()
        var environment = SessionEnvironment(script: "outbound?user=1001&number=011442079460000")
        environment.uniqueID = "killed.1"
        let side = KillOnAllow(inner: AsteriskResponder(script: CallScript(keys: "1234#")), pid: server.process.pid)
        _ = try await FakeAsteriskClient(port: server.port).run(preamble: environment.wireText, side: side)
        #expect(try await server.process.exit() == .signaled(SIGKILL))
        let entries = try AcctcodesStore(path: cli.database).usage(UsageFilter(accountID: "default"))
        #expect(entries.map(\.uniqueID) == ["killed.1"])
        #expect(entries.first?.result == "ACCEPTED" && entries.first?.code == "1234")
    }

    /// The README's quick start: serve, configure, `acctcodes call` for a wrong then a right code, usage list.
    @Test func quickStartWorks() async throws {
        let cli = try await Self.configured()
        let server = try await ServerProcess(cli: cli)
        defer { server.stop() }
        try await server.ready()
        let out = try await cli.ok(["call", "--server", "127.0.0.1:\(server.port)", "--user", "1001", "--dial", "011442079460000",
                              // A pause after the wrong code: the trailing-# window (1 s) is not at the mercy of a busy machine.
                              "--keys", "9999,1234#"])
        #expect(out.contains("S> GET DATA acctcodes/invalid-try-again 5000 4"))
        #expect(out.contains("result: ACCEPTED, allow=1, class=international, reason=code-valid, code=1234"))
        let usage = try await cli.ok(["usage", "list"])
        let line = usage.split(separator: "\n").first { $0.contains("011442079460000") }.map { $0.split(separator: " ") }
        #expect(line?.dropFirst(3) == ["011442079460000", "international", "ACCEPTED", "1234", "1", "-"])
    }

    @Test func loadCommandReportsThroughputAndLatency() async throws {
        let cli = try await Self.configured()
        let server = try await ServerProcess(cli: cli)
        defer { server.stop() }
        try await server.ready()
        let out = try await cli.ok(["load", "--server", "127.0.0.1:\(server.port)", "--concurrency", "4", "--duration", "1",
                              "--digits", "1234#", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let sessions = try #require(report["sessions"] as? Int)
        #expect(sessions > 0)
        #expect(report["errors"] as? Int == 0)
        #expect((report["results"] as? [String: Int])?["ACCEPTED"] == sessions)
        #expect(((report["commandMicroseconds"] as? [String: Int])?["p99"] ?? 0) > 0)
        let logged = try AcctcodesStore(path: cli.database).usage(UsageFilter(accountID: "default")).count
        #expect(logged == sessions, "every session is in the usage log")
    }

    @Test func serveMovesALeftoverSpoolIntoTheLogAtStart() async throws {
        let cli = try await Self.configured()
        let spool = UsageSpool(path: cli.database + ".spool.jsonl")
        try spool.append(.record(entry: UsageEntry(
            route: "outbound", accountID: "default", user: "1001", callerID: "1001", dialed: "2125550100", callClass: "national",
            asked: "none", incorrectEntries: 0, result: "NOTREQUIRED", reason: "collection-off", code: nil, uniqueID: "spooled.1",
            linkedID: "spooled.1", channel: "PJSIP/1001-1")))
        let server = try await ServerProcess(cli: cli)
        defer { server.stop() }
        try await server.ready()
        // The server's drainer moves it in (at start, and every second while anything is left).
        try await ChildProcess.waitUntil("the spool to drain") { !FileManager.default.fileExists(atPath: spool.path) }
        let entries = try AcctcodesStore(path: cli.database).usage(UsageFilter(accountID: "default"))
        #expect(entries.map(\.uniqueID) == ["spooled.1"])
        #expect(!FileManager.default.fileExists(atPath: spool.path))
    }

    @Test func sigtermDrainsAndExitsCleanly() async throws {
        let cli = try await Self.configured()
        let server = try await ServerProcess(cli: cli, extra: ["--sounds-dir", "/nonexistent"])
        try await server.ready()
        server.process.terminate()
        #expect(try await server.process.exit() == .exited(0))
        let log = server.log
        #expect(log.contains("prompt enter-code is missing"))
        #expect(log.contains("stopped"))
    }
}
