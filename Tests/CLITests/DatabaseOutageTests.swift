import FakeAsterisk
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PostgresStore
import StoreCore
import Synchronization
import TestSupport
import Testing

/// PostgreSQL stopped and started again under load from two servers, on a cluster of the test's
/// own: every call is answered (from each server's copy of the settings, its entry spooled), and
/// once the database is back each acknowledged entry is in the usage log exactly once.
/// Whether this machine has what the outage test needs.
enum OutageTestGate {
    static var canRun: Bool { ControlledCluster.fromEnvironment != nil }
}

@Suite(.serialized, .enabled(if: OutageTestGate.canRun, "no PostgreSQL to stop and start: run under Tests/Postgres/with-cluster.sh (.ci/run does)"))
struct DatabaseOutageTests {
    final class Running: Sendable {
        let on = Atomic<Bool>(true)
    }

    @Test func aDatabaseRestartUnderLoadLosesNothingAndDoublesNothing() async throws {
        let cluster = try #require(ControlledCluster.fromEnvironment)
        let server = try PostgresLocation(cluster.url)
        let database = "outage_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await PostgresStore.createDatabase(database, on: server)
        var location = server
        location.database = database
        let cli = CLI(postgres: location.withoutPasswordURL)
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on", "--calls-requiring-codes", "international"])
        try await cli.ok(["code", "add", "1234", "--description", "Acme"])
        try await cli.ok(["account", "set", "--validate-when-dialed", "on", "--lockout-after", "5"])
        try await cli.ok(["user", "add", "1001", "--enabled"])
        let servers = [try await ServerProcess(cli: cli, extra: ["--http-listen", "127.0.0.1:0"]), try await ServerProcess(cli: cli)]
        defer { servers.forEach { $0.stop() } }
        for server in servers { try await server.ready() }

        let running = Running()
        let ports = servers.map(\.port)
        let load = Task {
            try await withThrowingTaskGroup(of: [String: String].self) { group in
                for stream in 0..<4 {
                    group.addTask {
                        var answered: [String: String] = [:]
                        var call = 0
                        while running.on.load(ordering: .relaxed) {
                            let id = "outage.\(stream).\(call)"
                            var environment = SessionEnvironment(script: "outbound?user=1001&number=011442079460000")
                            environment.uniqueID = id
                            let record = try await FakeAsteriskClient(port: ports[(stream + call) % 2])
                                .run(environment, script: CallScript(keys: "1234#"))
                            answered[id] = record[variable: "ACCTCODE_RESULT"] ?? "no answer"
                            call += 1
                        }
                        return answered
                    }
                }
                return try await group.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
            }
        }
        let health = "http://127.0.0.1:\(try await servers[0].httpPort())/healthz"
        #expect(try await Self.get(health) == 200)
        try await Task.sleep(for: .seconds(1))
        try await cluster.stop()
        try await Task.sleep(for: .seconds(2))
        // A balancer hears that this server's store is gone (its next settings poll fails)...
        try await ChildProcess.waitUntil("/healthz to say store-unavailable", timeout: .seconds(60)) { try await Self.get(health) == 503 }
        try await cluster.start()
        // ...and that it is back.
        try await ChildProcess.waitUntil("/healthz to say ready", timeout: .seconds(60)) { try await Self.get(health) == 200 }
        try await Task.sleep(for: .seconds(1))
        running.on.store(false, ordering: .relaxed)
        let answered = try await load.value

        #expect(answered.count > 20, "too few calls to say anything: \(answered.count)")
        #expect(answered.values.allSatisfy { $0 == "ACCEPTED" }, "calls not accepted during the outage: \(answered.filter { $0.value != "ACCEPTED" })")
        // Each server's spool drains by itself once the database is back.
        try await ChildProcess.waitUntil("the spools to drain", timeout: .seconds(120)) {
            let files = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasSuffix(".spool.jsonl") }
            return files.isEmpty
        }
        let store = try await PostgresStore.open(location, deadline: TestPostgres.deadline)
        let entries = try await store.usagePage(UsageFilter(accountID: "default"), afterID: nil, limit: 1_000_000)
        await store.close()
        let counts = Dictionary(grouping: entries, by: \.uniqueID).mapValues(\.count)
        #expect(Set(counts.keys) == Set(answered.keys), "lost: \(Set(answered.keys).subtracting(counts.keys).sorted())")
        #expect(counts.values.allSatisfy { $0 == 1 }, "doubled: \(counts.filter { $0.value > 1 })")
        let spooled = servers.map { $0.log.components(separatedBy: "spooled usage operations into the usage log").count - 1 }
        print("outage test: \(answered.count) calls, \(entries.count) entries, spool drains per server \(spooled)")
        #expect(spooled.reduce(0, +) > 0, "the outage spooled nothing: it did not test the spool")
    }

    static func get(_ url: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
