import FakeAsterisk
import FastAGIServer
import Logging
import Synchronization
import Testing

/// What `ping` and `/healthz` say about a server: ready, draining for shutdown, or its store not answering.
@Suite struct ReadinessTests {
    final class Reachable: Sendable {
        let value = Atomic<Bool>(true)
    }

    @Test func pingSaysWhenTheStoreDoesNotAnswer() async throws {
        let reachable = Reachable()
        let readiness = Readiness(storeReachable: { reachable.value.load(ordering: .relaxed) })
        var configuration = ServerConfiguration()
        configuration.port = 0
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = FastAGIServer(configuration: configuration, router: .builtIn(readiness: readiness), logger: logger, readiness: readiness)
        let port = try await server.start().port!
        #expect(try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))[variable: "ACCTCODES_PING"] == "pong")
        reachable.value.store(false, ordering: .relaxed)
        #expect(readiness.state == .storeUnavailable)
        #expect(try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))[variable: "ACCTCODES_PING"]
            == "store-unavailable")
        reachable.value.store(true, ordering: .relaxed)
        #expect(try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))[variable: "ACCTCODES_PING"] == "pong")
        await server.shutdown()
    }

    /// On shutdown the server says it drains and takes no new session at once, then finishes the
    /// sessions in flight: a balancer or the dialplan's server list sends new calls elsewhere.
    @Test func aServerShuttingDownSaysDrainingRefusesNewSessionsAndFinishesThoseInFlight() async throws {
        let release = AsyncStream<Void>.makeStream()
        let releaser = release.continuation
        var router = AGIRouter.builtIn
        router.add("held") { call in
            try await call.answer()
            for await _ in release.stream { break }
            try await call.setVariable("DONE", "1")
        }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.shutdownGracePeriod = .seconds(120)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
        let port = try await server.start().port!
        #expect(server.readiness.state == .ready)
        async let held = FakeAsteriskClient(port: port).run(SessionEnvironment(script: "held"))
        while server.activeSessions == 0 { try await Task.sleep(for: .milliseconds(5)) }
        async let stopped: Void = server.shutdown()
        while server.readiness.state != .draining { try await Task.sleep(for: .milliseconds(5)) }
        // The listener closes first: a new session cannot connect while the held one goes on.
        var refused = false
        var attempts = 0
        while !refused, attempts < 2000 {
            attempts += 1
            refused = (try? await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))) == nil
            if !refused { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(refused)
        #expect(server.activeSessions == 1)
        releaser.yield()
        #expect(try await held[variable: "DONE"] == "1", "the session in flight finished")
        await stopped
    }
}
