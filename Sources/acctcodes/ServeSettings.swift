import AccountCodes
import ArgumentParser
import CallFlows
import FastAGIServer
import Foundation
import HTTPAPI
import Logging
import Metrics
import PostgresStore
import Prometheus

/// What `serve` runs with: each value from its flag, else the config file, else the default,
/// checked here so that a bad one stops the start with the flag or key it came from.
struct ServeSettings {
    var server = ServerConfiguration()
    var databasePath: String
    /// Set when `databasePath` names a PostgreSQL database.
    var postgres: PostgresLocation?
    var spoolPath: String
    var fsync: Bool
    var commitWait: Double
    var failMode: FailMode
    var answer: Bool
    var playAccepted: Bool
    var mset: Bool
    var prompts: [(String, String)]
    var soundsDir: String?
    var alertCommand: String?
    var logLevel: Logger.Level
    /// nil: the HTTP API is off.
    var http: OperatorAPI.Configuration?

    init(flags: Serve, file: ServeConfig) throws {
        let f = file.fastagi, d = file.database, c = file.calls, h = file.http
        func named(_ flag: String, _ key: String, given: Bool) -> String { given ? flag : "config key \(key)" }

        let listen = try flags.listen ?? f?.listen.map { text throws -> ListenAddress in
            guard let address = ListenAddress(argument: text) else { throw ValidationError("config key fastagi.listen: \(text) is not HOST:PORT") }
            return address
        } ?? ListenAddress(host: "127.0.0.1", port: 4573)
        server.host = listen.host
        server.port = listen.port
        let allow = flags.allow.isEmpty ? (f?.allow ?? []) : flags.allow
        let allowName = named("--allow", "fastagi.allow", given: !flags.allow.isEmpty)
        for block in allow where AddressAllowList.Block(block) == nil {
            throw ValidationError("\(allowName) \(block): not an address or CIDR block (e.g. 10.0.0.0/8)")
        }
        if !allow.isEmpty { server.allowList = AddressAllowList(allow.compactMap(AddressAllowList.Block.init)) }

        server.maxConnections = flags.maxConnections ?? f?.maxConnections ?? 10_000
        guard server.maxConnections > 0 else {
            throw ValidationError("\(named("--max-connections", "fastagi.max_connections", given: flags.maxConnections != nil)) must be at least 1")
        }
        server.maxLineLength = flags.maxLineLength ?? f?.maxLineLength ?? 8192
        guard server.maxLineLength >= 256 else {
            throw ValidationError("\(named("--max-line-length", "fastagi.max_line_length", given: flags.maxLineLength != nil)) must be at least 256")
        }
        let seconds: [(String, String, Double?, Double?, Double)] = [
            ("--environment-timeout", "fastagi.environment_timeout", flags.environmentTimeout, f?.environmentTimeout, 5),
            ("--reply-timeout", "fastagi.reply_timeout", flags.replyTimeout, f?.replyTimeout, 30),
            ("--session-timeout", "fastagi.session_timeout", flags.sessionTimeout, f?.sessionTimeout, 600),
            ("--shutdown-grace", "fastagi.shutdown_grace", flags.shutdownGrace, f?.shutdownGrace, 10),
        ]
        var values: [Double] = []
        for (flag, key, given, fromFile, fallback) in seconds {
            let value = given ?? fromFile ?? fallback
            guard value > 0, value < 86_400 * 7 else { throw ValidationError("\(named(flag, key, given: given != nil)) must be more than 0 seconds") }
            values.append(value)
        }
        server.environmentTimeout = .seconds(values[0])
        server.replyTimeout = .seconds(values[1])
        server.sessionTimeout = .seconds(values[2])
        server.shutdownGracePeriod = .seconds(values[3])

        databasePath = flags.db ?? d?.path ?? ProcessInfo.processInfo.environment["ACCTCODES_DB"] ?? "acctcodes.sqlite"
        if PostgresLocation.isPostgres(databasePath) {
            do {
                postgres = try PostgresLocation(databasePath, passwordFile: flags.dbPasswordFile ?? d?.passwordFile)
            } catch {
                throw ValidationError("\(named("--db", "database.path", given: flags.db != nil)): \(error)")
            }
        }
        spoolPath = flags.spool ?? d?.spool ?? (postgres == nil ? databasePath + ".spool.jsonl" : "acctcodes.spool.jsonl")
        fsync = flags.fsync || (d?.fsync ?? false)
        commitWait = flags.commitWait ?? d?.commitWaitMs ?? 250
        guard commitWait >= 1, commitWait <= 60_000 else {
            throw ValidationError("\(named("--commit-wait", "database.commit_wait_ms", given: flags.commitWait != nil)) must be 1 to 60000 ms")
        }

        if let given = flags.failMode { failMode = given } else if let text = c?.failMode {
            guard let mode = FailMode(rawValue: text) else { throw ValidationError("config key calls.fail_mode: \(text) is not closed or open") }
            failMode = mode
        } else { failMode = .closed }
        answer = flags.noAnswer ? false : (c?.answer ?? true)
        playAccepted = flags.playAccepted || (c?.playAccepted ?? false)
        mset = flags.noMset ? false : (c?.mset ?? true)
        var prompts = (c?.prompts ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for item in flags.prompt {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--prompt \(item): expected NAME=FILE") }
            prompts.append((parts[0], parts[1]))
        }
        for (name, _) in prompts where !PromptFiles.names.contains(name) {
            throw ValidationError("prompt \(name): not one of \(PromptFiles.names.joined(separator: ", "))")
        }
        self.prompts = prompts
        soundsDir = flags.soundsDir ?? c?.soundsDir
        alertCommand = flags.alertCommand ?? file.alertCommand
        if let given = flags.logLevel { logLevel = given } else if let text = file.logLevel {
            guard let level = Logger.Level(rawValue: text) else { throw ValidationError("config key log_level: \(text) is not a log level (info, debug, ...)") }
            logLevel = level
        } else { logLevel = .info }

        let httpListen = flags.httpListen ?? h?.listen ?? "127.0.0.1:8080"
        let httpName = named("--http-listen", "http.listen", given: flags.httpListen != nil)
        if httpListen == "off" {
            http = nil
        } else {
            guard let address = ListenAddress(argument: httpListen) else { throw ValidationError("\(httpName) \(httpListen): not HOST:PORT or off") }
            var api = OperatorAPI.Configuration()
            api.host = address.host
            api.port = address.port
            let httpAllow = flags.httpAllow.isEmpty ? (h?.allow ?? []) : flags.httpAllow
            if !httpAllow.isEmpty {
                let allowKey = named("--http-allow", "http.allow", given: !flags.httpAllow.isEmpty)
                api.allowList = try httpAllow.map { text in
                    guard let block = NetworkBlock(text) else { throw ValidationError("\(allowKey) \(text): not an address or CIDR block") }
                    return block
                }
            }
            http = api
        }
    }

    /// What `serve --check` prints.
    var summary: String {
        let allow = server.allowList == AddressAllowList.loopback ? "loopback" : "\(server.allowList)"
        return """
            fastagi \(server.host.contains(":") ? "[\(server.host)]" : server.host):\(server.port) allow \(allow), \
            max \(server.maxConnections) connections
            database \(postgres.map(\.description) ?? databasePath)\(fsync ? " (fsync)" : ""), commit wait \(Int(commitWait)) ms, spool \(spoolPath)
            calls fail \(failMode.rawValue), answer \(answer ? "on" : "off"), mset \(mset ? "on" : "off")\
            \(prompts.isEmpty ? "" : ", prompts " + prompts.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
            http \(http.map { "\($0.host):\($0.port) allow \($0.allowList.map { $0.map(\.description).joined(separator: ",") } ?? "any")" } ?? "off")
            alert command \(alertCommand == nil ? "none" : "set")
            log level \(logLevel)
            """
    }

    /// Prometheus through swift-metrics; latencies of microseconds get buckets that show them.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [.microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
                                .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                .milliseconds(500), .seconds(1)]
        factory.durationHistogramBuckets = ["acctcodes_store_read_seconds": fine, "acctcodes_usage_commit_seconds": fine,
                                            "acctcodes_http_request_duration_seconds": fine]
        factory.valueHistogramBuckets = ["acctcodes_usage_commit_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        return factory
    }
}
