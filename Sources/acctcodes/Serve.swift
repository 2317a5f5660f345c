import AccountCodes
import ArgumentParser
import CallFlows
import FastAGIServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Store

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastAGI server.",
        discussion: """
        With no options it listens on 127.0.0.1:4573, accepts connections from loopback only and keeps
        its data in ./acctcodes.sqlite (or $ACCTCODES_DB). Routes: outbound, tag, hangup, ping.
        SIGINT or SIGTERM stops accepting and lets calls in flight finish (see --shutdown-grace).

        Example, Asterisk on another host of 10.0.0.0/8:
          acctcodes serve --listen 0.0.0.0:4573 --allow 10.0.0.0/8
        Check the wiring from the dialplan with:  same => n,AGI(agi://127.0.0.1/ping)
        """
    )

    @Option(help: "Address and port to listen on.")
    var listen = ListenAddress(host: "127.0.0.1", port: 4573)

    @Option(name: .customLong("allow"), help: "Source network allowed to connect, in CIDR form (repeatable). Default: loopback only.")
    var allow: [String] = []

    @Option(help: "Most connections open at once; more are closed on accept.")
    var maxConnections = 10_000

    @Option(help: "Longest line accepted from Asterisk, in bytes.")
    var maxLineLength = 8192

    @Option(help: "Seconds a new connection has to send its AGI environment.")
    var environmentTimeout = 5.0

    @Option(help: "Seconds to wait for Asterisk's reply to one command (GET DATA also gets its prompt time).")
    var replyTimeout = 30.0

    @Option(help: "Hard limit on one session, in seconds.")
    var sessionTimeout = 600.0

    @Option(help: "Seconds calls in flight may take to finish on shutdown.")
    var shutdownGrace = 10.0

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("SQLite database file (default: $ACCTCODES_DB, else ./acctcodes.sqlite).", valueName: "path"))
    var db: String?

    @Option(help: "When the database fails during a call: closed (deny; emergency calls still pass) or open (allow, logged).")
    var failMode: FailMode = .closed

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

    @Option(help: ArgumentHelp("Longest a call waits for the database to take its usage-log entry (another process holding its write lock) before the entry goes to the spool and the call is answered, in milliseconds.", valueName: "ms"))
    var commitWait = 250.0

    func validate() throws {
        for block in allow where AddressAllowList.Block(block) == nil {
            throw ValidationError("--allow \(block): not an address or CIDR block (e.g. 10.0.0.0/8)")
        }
        for (name, value) in [("--environment-timeout", environmentTimeout), ("--reply-timeout", replyTimeout),
                              ("--session-timeout", sessionTimeout), ("--shutdown-grace", shutdownGrace)] where value <= 0 {
            throw ValidationError("\(name) must be more than 0 seconds")
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxLineLength >= 256 else { throw ValidationError("--max-line-length must be at least 256") }
        guard commitWait >= 1, commitWait <= 60_000 else { throw ValidationError("--commit-wait must be 1 to 60000 ms") }
        _ = try flowConfiguration()
    }

    func flowConfiguration() throws -> CallFlowConfiguration {
        var flows = CallFlowConfiguration()
        flows.failMode = failMode
        flows.alertCommand = alertCommand
        flows.answerBeforePrompt = !noAnswer
        flows.playAccepted = playAccepted
        flows.setVariablesTogether = !noMset
        for item in prompt {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty, flows.prompts.set(parts[0], file: parts[1]) else {
                throw ValidationError("--prompt \(item): expected NAME=FILE with NAME one of \(PromptFiles.names.joined(separator: ", "))")
            }
        }
        return flows
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        // Route handlers then run on the event-loop threads that own their sockets: a command's
        // round trip no longer crosses threads (measured: see BENCHMARKS.md).
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            logger.debug("Swift concurrency keeps its own executor")
        }
        var configuration = ServerConfiguration()
        configuration.host = listen.host
        configuration.port = listen.port
        if !allow.isEmpty { configuration.allowList = AddressAllowList(allow.compactMap(AddressAllowList.Block.init)) }
        configuration.maxConnections = maxConnections
        configuration.maxLineLength = maxLineLength
        configuration.environmentTimeout = .seconds(environmentTimeout)
        configuration.replyTimeout = .seconds(replyTimeout)
        configuration.sessionTimeout = .seconds(sessionTimeout)
        configuration.shutdownGracePeriod = .seconds(shutdownGrace)

        var options = AcctcodesStore.Options()
        options.fsyncEveryCommit = fsync
        // The server's only writes are usage-log operations: a lock held by another process makes
        // a call wait this long at most, then its operation goes to the spool.
        options.busyTimeout = commitWait / 1000
        let path = db ?? ProcessInfo.processInfo.environment["ACCTCODES_DB"] ?? "acctcodes.sqlite"
        let store = try AcctcodesStore(path: path, options: options)
        logger.info("database ready", metadata: ["path": "\(path)"])
        // Entries the database refuses wait here, beside it, and move in once it takes writes again.
        let spool = UsageSpool(path: path + ".spool.jsonl")
        let flows = CallFlows(store: store, configuration: try flowConfiguration(), spool: spool)
        if let soundsDir { checkPrompts(flows.configuration.prompts, in: soundsDir, logger: logger) }
        var router = AGIRouter.builtIn
        flows.install(into: &router)
        let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: the server drains its calls first, then the spool drainer stops.
            services: [.init(service: SpoolDrainer(flows: flows, logger: logger), successTerminationBehavior: .ignore),
                       .init(service: AGIService(server: server, flows: flows))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        let usage = flows.usageLog.writer
        // How well concurrent calls shared commits (see UsageLogWriter's group commit).
        logger.info("usage log", metadata: ["entries": "\(usage.written)", "commits": "\(usage.batches)"])
    }
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
