import AccountCodes
import AdminConsole
import ArgumentParser
import CallFlows
import FastAGIServer
import Foundation
import HTTPAPI
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import PostgresStore
import Store
import StoreCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastAGI server.",
        discussion: """
        With no options it listens on 127.0.0.1:4573 for FastAGI and on 127.0.0.1:8080 for the HTTP
        API, /metrics and /healthz, accepts connections from loopback only and keeps its data in
        ./acctcodes.sqlite (or $ACCTCODES_DB). Routes: outbound, tag, hangup, ping.
        SIGINT or SIGTERM stops accepting and lets calls in flight finish (see --shutdown-grace);
        meanwhile ping and /healthz say draining, so the dialplan's list or a balancer moves on.
        --config FILE reads the same settings from YAML (dist/acctcodes.yaml); flags win over it.

        Example, Asterisk on another host of 10.0.0.0/8:
          acctcodes serve --listen 0.0.0.0:4573 --allow 10.0.0.0/8
        Check the wiring from the dialplan with:  same => n,AGI(agi://127.0.0.1/ping)
        """
    )

    @Option(help: ArgumentHelp("YAML config file (see dist/acctcodes.yaml); flags given here win over it.", valueName: "file"))
    var config: String?

    @Option(help: "Address and port to listen on for FastAGI. Default: 127.0.0.1:4573.")
    var listen: ListenAddress?

    @Option(name: .customLong("allow"), help: "Source network allowed to connect, in CIDR form (repeatable). Default: loopback only.")
    var allow: [String] = []

    @Option(help: "Most connections open at once; more are closed on accept. Default: 10000.")
    var maxConnections: Int?

    @Option(help: "Longest line accepted from Asterisk, in bytes. Default: 8192.")
    var maxLineLength: Int?

    @Option(help: "Seconds a new connection has to send its AGI environment. Default: 5.")
    var environmentTimeout: Double?

    @Option(help: "Seconds to wait for Asterisk's reply to one command (GET DATA also gets its prompt time). Default: 30.")
    var replyTimeout: Double?

    @Option(help: "Hard limit on one session, in seconds. Default: 600.")
    var sessionTimeout: Double?

    @Option(help: "Seconds calls in flight may take to finish on shutdown. Default: 10.")
    var shutdownGrace: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Default: info.")
    var logLevel: Logger.Level?

    @Option(help: ArgumentHelp("SQLite database file, or a shared PostgreSQL database as postgres://USER@HOST:PORT/DB (password from $PGPASSWORD or --db-password-file). Default: $ACCTCODES_DB, else ./acctcodes.sqlite.", valueName: "path-or-url"))
    var db: String?

    @Option(help: ArgumentHelp("File holding the PostgreSQL password (instead of $PGPASSWORD).", valueName: "path"))
    var dbPasswordFile: String?

    @Option(help: ArgumentHelp("Where usage-log entries wait while the database cannot take them. Default: beside the SQLite file; ./acctcodes.spool.jsonl with PostgreSQL (one spool per server).", valueName: "path"))
    var spool: String?

    @Option(help: "When the database fails during a call: closed (deny; emergency calls still pass) or open (allow, logged). Default: closed.")
    var failMode: FailMode?

    @Option(help: ArgumentHelp("Shell command run on every lockout, with the event as a JSON line on its standard input (e.g. curl ... --data-binary @- URL to POST it).", valueName: "command"))
    var alertCommand: String?

    @Option(help: ArgumentHelp("Use another sound file for a prompt, e.g. enter-code=custom/enter-code (repeatable). Prompts: \(PromptFiles.names.joined(separator: ", ")).", valueName: "name=file"))
    var prompt: [String] = []

    @Option(help: ArgumentHelp("Asterisk's sounds directory for the caller's language, to check at start that every prompt is installed (e.g. /var/lib/asterisk/sounds/en).", valueName: "dir"))
    var soundsDir: String?

    @Flag(help: "Do not send ANSWER before prompting (the dialplan plays prompts as early media with Progress()).")
    var noAnswer = false

    @Flag(help: "Play \"code accepted\" after a good code.")
    var playAccepted = false

    @Flag(help: "Set each result variable with its own SET VARIABLE instead of one EXEC MSet (8 round trips a call instead of 3). Needed if asterisk.conf has [compat] res_agi = 1.4.")
    var noMset = false

    @Flag(help: "fsync every usage-log commit (survives power loss; by default a commit survives the process being killed).")
    var fsync = false

    @Option(help: ArgumentHelp("Longest a call waits for the database to take its usage-log entry (another process holding SQLite's write lock; on PostgreSQL, any query) before the entry goes to the spool and the call is answered, in milliseconds. Default: 250.", valueName: "ms"))
    var commitWait: Double?

    @Option(help: ArgumentHelp("Address and port of the HTTP API, /metrics and the admin console (/console/), or off. "
                               + "Default: 127.0.0.1:8080.", valueName: "host:port"))
    var httpListen: String?

    @Option(name: .customLong("http-allow"), help: "Network allowed to use the HTTP API and the console, in CIDR form (repeatable). Default: loopback only.")
    var httpAllow: [String] = []

    @Flag(help: "Check the config file and flags, print what serve would run with, and exit.")
    var check = false

    func validate() throws {
        _ = try settings()
    }

    /// The file's settings under the flags, checked. Errors name the flag or the file's key.
    func settings() throws -> ServeSettings {
        let file: ServeConfig
        do { file = try config.map { path throws(ServeConfig.LoadError) in try ServeConfig.load(path: path) } ?? ServeConfig() } catch {
            throw ValidationError(error.description)
        }
        return try ServeSettings(flags: self, file: file)
    }

    func flowConfiguration(_ settings: ServeSettings) throws -> CallFlowConfiguration {
        var flows = CallFlowConfiguration()
        flows.failMode = settings.failMode
        flows.alertCommand = settings.alertCommand
        flows.answerBeforePrompt = settings.answer
        flows.playAccepted = settings.playAccepted
        flows.setVariablesTogether = settings.mset
        for (name, file) in settings.prompts {
            guard !file.isEmpty, flows.prompts.set(name, file: file) else {
                throw ValidationError("prompt \(name)=\(file): expected NAME=FILE with NAME one of \(PromptFiles.names.joined(separator: ", "))")
            }
        }
        return flows
    }

    func run() async throws {
        let settings = try settings()
        if check { return print(settings.summary) }
        let logger = bootstrapLogging(level: settings.logLevel)
        // Metrics first: the server, the flows and the store make their instruments as they start.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ServeSettings.metricsFactory(registry))
        // Route handlers then run on the event-loop threads that own their sockets: a command's
        // round trip no longer crosses threads (measured: see BENCHMARKS.md).
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            logger.debug("Swift concurrency keeps its own executor")
        }
        let opened = try await openStore(settings, logger: logger)
        let store = opened.store
        // Entries the database refuses wait here, and move in once it takes writes again.
        let spool = UsageSpool(path: settings.spoolPath)
        let flows = CallFlows(store: store, configuration: try flowConfiguration(settings), spool: spool)
        if let dir = settings.soundsDir { checkPrompts(flows.configuration.prompts, in: dir, logger: logger) }
        // Ready for calls unless draining for shutdown or the store does not answer: `ping`, `/healthz`.
        let readiness = Readiness(storeReachable: { store.isReachable })
        var router = AGIRouter.builtIn(readiness: readiness)
        flows.install(into: &router)
        let server = FastAGIServer(configuration: settings.server, router: router, logger: logger, readiness: readiness)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // Shut down in reverse order: the server drains its calls first, then the spool drainer stops.
            .init(service: SpoolDrainer(flows: flows, logger: logger), successTerminationBehavior: .ignore),
        ]
        var apiThreads: LowPriorityThreads?
        if let http = settings.http {
            // Calls first: the API runs and reads its exports at the lowest CPU priority, and an export
            // rests between pages while calls are in progress.
            let threads = LowPriorityThreads { server.activeSessions > 0 }
            apiThreads = threads
            let api = OperatorAPI(store: store, configuration: http, logger: logger, metricsText: {
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return buffer
            }, threads: threads, notReady: {
                let state = readiness.state
                return state == .ready ? nil : state.rawValue
            })
            let console = AdminConsole(store: store, pageRunner: threads.pageRunner, refusals: api.refusals)
            services.append(.init(service: threads.running(api.application(adding: console.install(on:)))))
            logger.info("HTTP API listening", metadata: ["address": "\(http.host):\(http.port)"])
            logger.info("admin console at http://\(http.host.contains(":") ? "[\(http.host)]" : http.host):\(http.port)/console/ (sign in with a token: acctcodes token create)")
        }
        services.append(.init(service: AGIService(server: server, flows: flows)))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await apiThreads?.shutdown()
        await opened.close()
        let usage = flows.usageLog.writer
        // How well concurrent calls shared commits (see UsageLogWriter's group commit).
        logger.info("usage log", metadata: ["entries": "\(usage.written)", "commits": "\(usage.batches)"])
    }
}

/// The store `serve` runs on, and how to close it.
struct OpenedStore {
    var store: any AdminStore & UsageStore
    var close: @Sendable () async -> Void
}

func openStore(_ settings: ServeSettings, logger: Logger) async throws -> OpenedStore {
    if let location = settings.postgres {
        // Every query waits at most the commit wait: a database that is down costs a call that
        // long, then its entry goes to the spool and the call goes on from the cached settings.
        let store = try await PostgresStore.open(location, deadline: .milliseconds(Int64(settings.commitWait)), logger: logger)
        logger.info("database ready", metadata: ["postgres": "\(location)", "spool": "\(settings.spoolPath)"])
        return OpenedStore(store: store, close: { await store.close() })
    }
    var options = AcctcodesStore.Options()
    options.fsyncEveryCommit = settings.fsync
    // The server's only writes are usage-log operations: a lock held by another process makes
    // a call wait this long at most, then its operation goes to the spool.
    options.busyTimeout = settings.commitWait / 1000
    let store = try AcctcodesStore(path: settings.databasePath, options: options)
    logger.info("database ready", metadata: ["path": "\(settings.databasePath)"])
    return OpenedStore(store: store, close: {})
}

/// Missing prompts make `GET DATA` fail at once (like a hangup), so say so at start.
func checkPrompts(_ prompts: PromptFiles, in directory: String, logger: Logger) {
    let formats = ["ulaw", "alaw", "sln", "sln16", "gsm", "wav", "WAV", "g722", "g729", "opus"]
    for (name, file) in prompts.files.sorted(by: { $0.key < $1.key }) {
        let found = formats.contains { FileManager.default.fileExists(atPath: "\(directory)/\(file).\($0)") }
        if !found {
            logger.warning("prompt \(name) is missing: no \(directory)/\(file).{ulaw,sln,gsm,wav,...}; callers will be cut off at that prompt")
        }
    }
}

extension FailMode: ExpressibleByArgument {}

/// Runs the server until a shutdown signal, then drains it.
struct AGIService: Service {
    let server: FastAGIServer
    let flows: CallFlows

    func run() async throws {
        try await server.start()
        try? await gracefulShutdown()
        await server.shutdown()
        // Entries recorded after their call was answered (emergency calls) land before exit.
        let settle = ContinuousClock.now + .seconds(5)
        while flows.usageLog.detachedInFlight > 0, ContinuousClock.now < settle { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

/// Moves spooled usage operations into the log whenever the database takes writes, from start
/// (a spool left by an earlier run) to shutdown.
struct SpoolDrainer: Service {
    let flows: CallFlows
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await flows.runSpoolDrainer(logger: logger) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "acctcodes")
}
