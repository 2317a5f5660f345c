import ArgumentParser
import FastAGIServer
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastAGI server.",
        discussion: """
        With no options it listens on 127.0.0.1:4573 and accepts connections from loopback only.
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
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
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

        let router = AGIRouter.builtIn
        let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: AGIService(server: server))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}

/// Runs the server until a shutdown signal, then drains it.
struct AGIService: Service {
    let server: FastAGIServer

    func run() async throws {
        try await server.start()
        try? await gracefulShutdown()
        await server.shutdown()
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
