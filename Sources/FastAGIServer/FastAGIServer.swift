import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// The FastAGI listener: accepts Asterisk's connections within the configured limits and
/// runs one route handler per session.
public final class FastAGIServer: Sendable {
    public let configuration: ServerConfiguration
    private let router: AGIRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let sessions = SessionTracker()
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// `acctcodes_open_connections`, and connections refused by the allow-list or the cap.
    private let openGauge = Gauge(label: "acctcodes_open_connections")
    private let refusedConnections = Counter(label: "acctcodes_connections_refused_total")
    private let listener = Mutex<(any Channel)?>(nil)
    /// Set to draining when `shutdown()` begins.
    public let readiness: Readiness

    public init(
        configuration: ServerConfiguration,
        router: AGIRouter,
        logger: Logger = Logger(label: "acctcodes.agi"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        readiness: Readiness = Readiness()
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.group = group
        self.readiness = readiness
    }

    /// Sessions whose handler is running.
    public var activeSessions: Int { sessions.activeCount }
    /// Sessions started since launch.
    public var startedSessions: Int { sessions.totalCount }
    public var openConnections: Int { connections.withLock { $0.count } }

    /// Binds and starts accepting; returns the bound address (port 0 picks a free one).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // AGI lines are short, and NIO keeps each connection's receive buffer for its next read,
            // also while a call waits minutes at a prompt: a fixed 256 bytes (the environment, ~700
            // bytes, takes three reads in one loop turn) instead of an adaptive buffer grown to 1 KB.
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 256))
            .childChannelInitializer { [self] channel in
                self.initialize(channel)
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        listener.withLock { $0 = channel }
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        logger.info("listening", metadata: ["address": "\(address)", "allow": "\(configuration.allowList)"])
        return address
    }

    /// Stops accepting, lets sessions in flight finish within the grace period, then cuts the rest.
    public func shutdown() async {
        readiness.beginDraining()
        let channel = listener.withLock { value -> (any Channel)? in defer { value = nil }; return value }
        try? await channel?.close()
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        while openConnections > 0 || activeSessions > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = connections.withLock { Array($0.values) }
        if !remaining.isEmpty {
            logger.warning("shutdown grace period over, closing \(remaining.count) sessions")
            for channel in remaining { channel.close(promise: nil) }
        }
        // Handlers of cut sessions see the closed connection and finish their bookkeeping.
        let settle = ContinuousClock.now + .seconds(2)
        while activeSessions > 0, ContinuousClock.now < settle {
            try? await Task.sleep(for: .milliseconds(10))
        }
        logger.info("stopped", metadata: ["sessions": "\(startedSessions)"])
    }

    /// Waits until the listener closes (after `shutdown()`).
    public func waitUntilClosed() async throws {
        let channel = listener.withLock { $0 }
        try await channel?.closeFuture.get()
    }

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        // Formatted only if a line is logged: most sessions log one line at info, none at warning.
        let connectionLog = SessionLogger(base: logger, metadata: [("peer", channel.remoteAddress.map { .stringConvertible($0) } ?? "?")])
        var connectionLogger: Logger { connectionLog.logger }
        guard configuration.allowList.allows(channel.remoteAddress) else {
            connectionLogger.warning("refused: address not in the allow list")
            refusedConnections.increment()
            return channel.close()
        }
        let id = ObjectIdentifier(channel)
        let admitted = connections.withLock { open -> Bool in
            guard open.count < configuration.maxConnections else { return false }
            open[id] = channel
            openGauge.record(open.count)
            return true
        }
        guard admitted else {
            connectionLogger.warning("refused: \(configuration.maxConnections) connections already open")
            refusedConnections.increment()
            return channel.close()
        }
        channel.closeFuture.whenComplete { [self] _ in
            connections.withLock {
                $0.removeValue(forKey: id)
                openGauge.record($0.count)
            }
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                AGIConnectionHandler(configuration: configuration, router: router, sessions: sessions, logger: connectionLog))
        }
    }
}
