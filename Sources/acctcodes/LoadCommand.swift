import ArgumentParser
import FakeAsterisk
import Foundation
import Histogram
import NIOPosix

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a server with many concurrent simulated calls and print throughput and latency.",
        discussion: """
        Plays Asterisk's side of --concurrency calls at once, each one new connection, for --duration
        seconds. Use it to size a deployment; run it on another machine to keep its cost off the server.
        With several servers (--server A,B), each call asks them in order as the shipped dialplan
        does: the next one when a server cannot be reached or a session ends without an answer,
        with the same PBX, uniqueid and request id. Such calls count as retried; a call no server
        answered is an error.
        Example: acctcodes load --concurrency 100 --duration 10 --dial 011442079460000 --keys 1234#
        """
    )

    @Option(help: "The server's address, or several in the order to ask them (HOST:PORT,HOST:PORT).")
    var server = ServerAddresses([ListenAddress(host: "127.0.0.1", port: 4573)])
    @Option(help: "The PBX's name each call sends (the dialplan's ACCTCODES_PBX); none by default.") var pbx: String?
    @Option(help: "Calls in flight at once.") var concurrency = 100
    @Option(help: "Seconds to run.") var duration = 10.0
    @Option(help: "Route: outbound, tag, hangup or ping.") var route = "outbound"
    @Option(help: "Account.") var account = "default"
    @Option(help: "The caller's extension.") var user = "1001"
    @Option(help: "The number dialed.") var dial = "011442079460000"
    @Option(name: [.customLong("keys"), .customLong("digits")], help: "What each caller keys, as one stream (as in `acctcodes call`).")
    var keys = "1234#"
    @Option(help: "Event-loop threads for the load generator (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: ArgumentHelp("Stop answering at this command (2 = the first GET DATA of a prompted call) and hold each call open for --duration: one call per worker, to measure the server with that many calls waiting.", valueName: "n"))
    var holdAt: Int?
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard concurrency > 0, duration > 0, threads > 0 else { throw ValidationError("--concurrency, --duration and --threads must be positive") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let servers = ServerList(server.addresses.map {
            FakeAsteriskClient(host: $0.host, port: $0.port, group: group, sessionTimeout: holdAt == nil ? .seconds(30) : .seconds(duration))
        })
        let script = CallScript(keys: keys, stallAtCommand: holdAt, startsDead: route == "hangup")
        if holdAt != nil { return try await hold(client: servers.clients[0], script: script) }
        // Uniqueids as Asterisk makes them, `epoch.sequence`, unique to this run.
        let epoch = Int(Date().timeIntervalSince1970)
        let start = ContinuousClock.now
        let deadline = start + .seconds(duration)
        let totals = try await withThrowingTaskGroup(of: LoadTotals.self) { tasks in
            for worker in 0..<concurrency {
                tasks.addTask {
                    var totals = LoadTotals()
                    var n = 0
                    while ContinuousClock.now < deadline {
                        n += 1
                        let environment = SessionEnvironment.call(route: route, account: account, user: user, dial: dial,
                                                                  uniqueID: "\(epoch).\(worker)-\(n)", pbx: pbx,
                                                                  request: "\(epoch).\(worker)-\(n)")
                        let outcome = await servers.run(environment, script: script)
                        totals.add(outcome, route: route)
                        if outcome.answer == nil { try? await Task.sleep(for: .milliseconds(10)) }
                    }
                    return totals
                }
            }
            var all = LoadTotals()
            for try await part in tasks { all.merge(part) }
            return all
        }
        let elapsed = (ContinuousClock.now - start).seconds
        try? await group.shutdownGracefully()
        let report = LoadReport(totals: totals, elapsed: elapsed, concurrency: concurrency, route: route)
        if json { return try printJSON(report) }
        report.print()
    }
}

extension LoadCommand {
    /// Opens `concurrency` calls that stop at `--hold-at` and stay there for `--duration`.
    func hold(client: FakeAsteriskClient, script: CallScript) async throws {
        let held = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for worker in 0..<concurrency {
                tasks.addTask {
                    let environment = SessionEnvironment.call(route: route, account: account, user: user, dial: dial,
                                                              uniqueID: "1790000000.hold-\(worker)")
                    // Held to the end means the server kept the call waiting the whole time.
                    return (try? await client.run(environment, script: script))?.ending == .timedOut
                }
            }
            return try await tasks.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        print("held \(held) of \(concurrency) calls at command \(holdAt ?? 0) for \(duration) s")
    }
}

/// What a set of sessions measured; merged across workers.
struct LoadTotals {
    var sessions = 0
    var commands = 0
    var errors = 0
    /// Calls answered by a server after the first (failed over).
    var retried = 0
    /// Sessions that ended without an answer (a server died mid-session) and were asked again.
    var cutShort = 0
    var results: [String: Int] = [:]
    /// Microseconds.
    var commandTimes = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var sessionTimes = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    mutating func add(_ outcome: ServerList.Outcome, route: String) {
        // A call no server answered (or one that timed out) is an error.
        guard let record = outcome.answer else {
            errors += 1
            return
        }
        if outcome.attempts > 1 { retried += 1 }
        cutShort += outcome.cutShort
        sessions += 1
        commands += record.commands.count
        // The outbound route's result, else the variable that answers the route.
        let result = route == "outbound" ? "ACCTCODE_RESULT" : ServerList.answerVariable(route: route)
        results[record[variable: result] ?? "-", default: 0] += 1
        for time in record.commandTimes { _ = commandTimes.record(time.microseconds) }
        _ = sessionTimes.record(record.duration.microseconds)
    }

    mutating func merge(_ other: LoadTotals) {
        sessions += other.sessions
        commands += other.commands
        errors += other.errors
        retried += other.retried
        cutShort += other.cutShort
        results.merge(other.results, uniquingKeysWith: +)
        commandTimes.add(other.commandTimes)
        sessionTimes.add(other.sessionTimes)
    }
}

struct LoadReport: Encodable {
    var route: String
    var concurrency: Int
    var seconds: Double
    var sessions: Int
    var errors: Int
    var retried: Int
    var cutShort: Int
    var sessionsPerSecond: Double
    var commandsPerSecond: Double
    var commandMicroseconds: [String: UInt64]
    var sessionMicroseconds: [String: UInt64]
    var results: [String: Int]

    init(totals: LoadTotals, elapsed: Double, concurrency: Int, route: String) {
        self.route = route
        self.concurrency = concurrency
        seconds = elapsed
        sessions = totals.sessions
        errors = totals.errors
        retried = totals.retried
        cutShort = totals.cutShort
        sessionsPerSecond = Double(totals.sessions) / elapsed
        commandsPerSecond = Double(totals.commands) / elapsed
        func percentiles(_ h: Histogram<UInt64>) -> [String: UInt64] {
            ["p50": h.valueAtPercentile(50), "p99": h.valueAtPercentile(99), "p999": h.valueAtPercentile(99.9), "max": h.max]
        }
        commandMicroseconds = percentiles(totals.commandTimes)
        sessionMicroseconds = percentiles(totals.sessionTimes)
        results = totals.results
    }

    func print() {
        func ms(_ us: UInt64?) -> String { String(format: "%.3f ms", Double(us ?? 0) / 1000) }
        Swift.print(String(format: "%@, %d concurrent, %.1f s", route, concurrency, seconds))
        Swift.print(String(format: "sessions      %d (%.0f/s), errors %d", sessions, sessionsPerSecond, errors)
            + (retried > 0 ? ", retried on another server \(retried) (\(cutShort) cut short mid-session)" : ""))
        Swift.print(String(format: "commands      %.0f/s", commandsPerSecond))
        Swift.print("command rtt   p50 \(ms(commandMicroseconds["p50"]))  p99 \(ms(commandMicroseconds["p99"]))  p99.9 \(ms(commandMicroseconds["p999"]))  max \(ms(commandMicroseconds["max"]))")
        Swift.print("session time  p50 \(ms(sessionMicroseconds["p50"]))  p99 \(ms(sessionMicroseconds["p99"]))  p99.9 \(ms(sessionMicroseconds["p999"]))  max \(ms(sessionMicroseconds["max"]))")
        Swift.print("results       " + results.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}

extension Duration {
    var microseconds: UInt64 { UInt64(max(0, components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000)) }
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
