import AGI
import FakeAsterisk
import FastAGIServer
import Testing

@Suite struct ServerTests {
    @Test func pingSetsPongAndCloses() async throws {
        try await withServer { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))
            #expect(record.commands == [#"VERBOSE "acctcodes: pong" 1"#, "SET VARIABLE ACCTCODES_PING pong"])
            #expect(record[variable: "ACCTCODES_PING"] == "pong")
            #expect(record.ending == .serverClosed)
        }
    }

    @Test func unknownRouteIsClosedWithoutCommands() async throws {
        try await withServer { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "nosuchroute?x=1"))
            #expect(record.commands.isEmpty)
            #expect(record.ending == .serverClosed)
        }
    }

    @Test func oversizedLineIsRejectedAndServerStaysUp() async throws {
        try await withServer(configure: { $0.maxLineLength = 1024 }) { server, port in
            let result = try await RawPeer(port: port).exchange(["agi_network: yes\nagi_x: " + String(repeating: "a", count: 5000)])
            #expect(result.closedByServer)
            #expect(result.received.isEmpty)
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))
            #expect(record[variable: "ACCTCODES_PING"] == "pong")
        }
    }

    @Test func endlessLineWithoutNewlineIsCut() async throws {
        try await withServer(configure: { $0.maxLineLength = 512 }) { server, port in
            let chunks = Array(repeating: String(repeating: "z", count: 200), count: 10)
            let result = try await RawPeer(port: port).exchange(chunks, pause: .milliseconds(5))
            #expect(result.closedByServer)
        }
    }

    @Test(arguments: ["this is not an environment\n\n", ": nameless\n\n", "\u{0}\u{1}garbage\n\n"])
    func malformedEnvironmentIsClosed(text: String) async throws {
        try await withServer { server, port in
            let result = try await RawPeer(port: port).exchange([text])
            #expect(result.closedByServer)
            #expect(result.received.isEmpty, "no command is sent to a peer that is not Asterisk")
        }
    }

    @Test func oversizedEnvironmentIsClosed() async throws {
        try await withServer(configure: { $0.environmentLimits = .init(maxLines: 50, maxBytes: 4096) }) { server, port in
            let lines = (0..<100).map { "agi_x\($0): v\n" }.joined()
            let result = try await RawPeer(port: port).exchange([lines])
            #expect(result.closedByServer)
        }
    }

    @Test func environmentThatNeverEndsTimesOut() async throws {
        try await withServer(configure: { $0.environmentTimeout = .milliseconds(200) }) { server, port in
            // Closed by the server long before the peer's own 60 s: no tighter wall-clock bound,
            // which a busy machine breaks (the timing itself is tested in SessionStateMachineTests).
            let result = try await RawPeer(port: port).exchange(["agi_network: yes\n"], wait: .seconds(60))
            #expect(result.closedByServer)
        }
    }

    @Test func stalledAsteriskIsCutAfterTheReplyTimeout() async throws {
        let seen = Observations<String>()
        try await withServer(configure: { $0.replyTimeout = .milliseconds(200) }, routes: { router in
            router.add("stall") { call in
                do {
                    try await call.answer()
                    await seen.append("answered")
                } catch {
                    await seen.append("\(error)")
                }
            }
        }) { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "stall"), script: CallScript(stallAtCommand: 1))
            #expect(record.ending == .serverClosed)
            try await settle(server)
            #expect(await seen.values == ["no reply in time to ANSWER"])
        }
    }

    /// A route gets the environment once: a waiting call then holds no copy of Asterisk's block.
    @Test func theEnvironmentIsHandedToTheRouteOnce() async throws {
        let seen = Observations<String>()
        try await withServer(routes: { router in
            router.add("take") { call in
                let first = call.takeEnvironment(), second = call.takeEnvironment()
                await seen.append("\(first.uniqueID)|\(first.script.parameters["user"] ?? "")|\(second.pairs.count)")
            }
        }) { server, port in
            _ = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "take?user=1001"))
            try await settle(server)
            #expect(await seen.values == ["1795351624.10|1001|0"])
        }
    }

    @Test func aStalledReplyNeverPutsACodeInTheError() async throws {
        let seen = Observations<String>()
        try await withServer(configure: { $0.replyTimeout = .milliseconds(200) }, routes: { router in
            router.add("code") { call in
                do { try await call.setVariable("ACCTCODE", "4821") } catch { await seen.append("\(error)") }
            }
        }) { server, port in
            _ = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "code"), script: CallScript(stallAtCommand: 1))
            try await settle(server)
            #expect(await seen.values == ["no reply in time to SET VARIABLE ACCTCODE"])
        }
    }

    @Test func sessionDeadlineBoundsAHandlerThatNeverEnds() async throws {
        try await withServer(configure: { $0.sessionTimeout = .milliseconds(300) }, routes: { router in
            router.add("loop") { call in
                while true { _ = await call.getData(file: "beep", timeout: .milliseconds(10), maxDigits: 4); if call.isHungUp { return } }
            }
        }) { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "loop"))
            #expect(record.ending == .serverClosed, "the server cut it (the fake's own bound is 30 s)")
        }
    }

    @Test func peerVanishingMidSessionEndsOnlyThatSession() async throws {
        let seen = Observations<Bool>()
        try await withServer(routes: { router in
            router.add("slow") { call in
                try? await Task.sleep(for: .milliseconds(100))
                let result = await call.getData(file: "beep", timeout: .seconds(1), maxDigits: 4)
                await seen.append(result == .hangup && call.isHungUp)
            }
        }) { server, port in
            _ = try await RawPeer(port: port).exchange([SessionEnvironment(script: "slow").wireText], closeAfterSending: true)
            // On a busy machine the server may not even have accepted the connection yet: wait
            // for the handler's observation, not for a fixed time.
            let deadline = ContinuousClock.now + .seconds(60)
            while await seen.values.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await settle(server)
            #expect(await seen.values == [true])
            #expect(server.activeSessions == 0)
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))
            #expect(record[variable: "ACCTCODES_PING"] == "pong")
        }
    }

    /// A reset while a command waits (Asterisk's host dropped the socket) reaches the route as
    /// a hangup it can already see: the flag is set before the command fails.
    @Test func aResetWhileACommandWaitsIsAHangup() async throws {
        let seen = Observations<Bool>()
        try await withServer(routes: { router in
            router.add("reset") { call in
                let result = await call.getData(file: "beep", timeout: .seconds(5), maxDigits: 4)
                await seen.append(result == .hangup && call.isHungUp)
            }
        }) { server, port in
            _ = try await RawPeer(port: port).exchange([SessionEnvironment(script: "reset").wireText], resetOn: "GET DATA")
            let deadline = ContinuousClock.now + .seconds(60)
            while await seen.values.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await settle(server)
            #expect(await seen.values == [true])
            #expect(server.activeSessions == 0)
        }
    }

    @Test func throwingHandlerEndsItsSessionOnly() async throws {
        struct Boom: Error {}
        try await withServer(routes: { router in
            router.add("boom") { call in
                try await call.answer()
                throw Boom()
            }
        }) { server, port in
            let client = FakeAsteriskClient(port: port)
            async let boom = client.run(SessionEnvironment(script: "boom"))
            async let ping = client.run(SessionEnvironment(script: "ping"))
            let (b, p) = try await (boom, ping)
            #expect(b.commands == ["ANSWER"])
            #expect(b.ending == .serverClosed)
            #expect(p[variable: "ACCTCODES_PING"] == "pong")
        }
    }

    @Test func refusesNewlineInjectionFromAHandler() async throws {
        let seen = Observations<String>()
        try await withServer(routes: { router in
            router.add("inject") { call in
                do {
                    try await call.setVariable("X", "1\nHANGUP")
                } catch {
                    await seen.append("\(error)")
                }
            }
        }) { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "inject"))
            #expect(record.commands.isEmpty)
            try await settle(server)
            #expect(await seen.values.first?.hasPrefix("refusing an AGI argument with a line break") == true)
        }
    }

    @Test func connectionCapClosesTheExtraConnection() async throws {
        // The environment deadline is far off, so a prompt close can only be the cap refusing.
        try await withServer(configure: { $0.maxConnections = 2; $0.environmentTimeout = .seconds(30) }) { server, port in
            let holders = [RawPeer(port: port), RawPeer(port: port)]
            async let a = holders[0].exchange(["agi_network: yes\n"], wait: .seconds(8))
            async let b = holders[1].exchange(["agi_network: yes\n"], wait: .seconds(8))
            while server.openConnections < 2 { try await Task.sleep(for: .milliseconds(5)) }
            let third = try await RawPeer(port: port).exchange([], wait: .seconds(8))
            #expect(third.closedByServer, "closed at once, not by the 30 s environment deadline")
            let (ra, rb) = try await (a, b)
            #expect(!ra.closedByServer && !rb.closedByServer, "the first two stay within their deadline")
        }
    }

    @Test func addressOutsideTheAllowListIsRefused() async throws {
        try await withServer(configure: { $0.allowList = AddressAllowList([.init("10.0.0.0/8")!]) }) { server, port in
            let record = try await FakeAsteriskClient(port: port).run(SessionEnvironment(script: "ping"))
            #expect(record.commands.isEmpty)
            #expect(record.ending == .serverClosed)
        }
    }

    @Test func thousandConcurrentSessions() async throws {
        try await withServer { server, port in
            let client = FakeAsteriskClient(port: port, sessionTimeout: .seconds(60))
            let pongs = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        var environment = SessionEnvironment(script: "ping")
                        environment.uniqueID = "1795351624.\(i)"
                        return try await client.run(environment)[variable: "ACCTCODES_PING"] == "pong"
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(pongs == 1000)
            #expect(server.startedSessions == 1000)
        }
    }

    @Test func shutdownLetsSessionsInFlightFinish() async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        var router = AGIRouter()
        router.add("slow") { call in
            try await call.answer()
            try await Task.sleep(for: .milliseconds(300))
            try await call.setVariable("DONE", "1")
        }
        var logger = Logging.Logger(label: "test")
        logger.logLevel = .critical
        let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
        let port = try await server.start().port!
        async let record = FakeAsteriskClient(port: port).run(SessionEnvironment(script: "slow"))
        while server.activeSessions == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await server.shutdown()
        #expect(try await record[variable: "DONE"] == "1")
        await #expect(throws: (any Error).self) { try await RawPeer(port: port).exchange([]) }
    }
}

import Logging
