import AGI
import Logging
import NIOCore

/// Reads the environment, starts the route's handler, and matches each reply to its command.
/// Runs on the channel's event loop only.
final class AGIConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private enum State {
        case environment(EnvironmentParser)
        case running
        case closed
    }

    private struct Pending {
        let command: String
        let promise: EventLoopPromise<AGIReply>
        let timeout: Scheduled<Void>
    }

    private let configuration: ServerConfiguration
    private let router: AGIRouter
    private let sessions: SessionTracker
    private var logger: Logger
    private var state: State
    private var context: ChannelHandlerContext?
    private var pending: Pending?
    private var replyParser = ReplyParser()
    private var deadline: Scheduled<Void>?
    private var connection: AGIConnection?

    init(configuration: ServerConfiguration, router: AGIRouter, sessions: SessionTracker, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.sessions = sessions
        self.logger = logger
        self.state = .environment(EnvironmentParser(limits: configuration.environmentLimits))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.environmentTimeout.timeAmount) { [weak self] in
            self?.abort("environment not received within \(self?.configuration.environmentTimeout ?? .zero)")
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        switch state {
        case .environment(var parser):
            do {
                switch try parser.feed(line) {
                case .needMore: state = .environment(parser)
                case .complete(let environment): start(environment, context: context)
                }
            } catch {
                abort("bad environment: \(error)")
            }
        case .running:
            do {
                guard let event = try replyParser.feed(line) else { return }
                handle(event)
            } catch {
                abort("\(error)")
            }
        case .closed:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tooLong = error as? LineFrameDecoder.LineTooLong {
            abort("\(tooLong)")
        } else {
            // Resets and broken pipes are how Asterisk ends sessions after a hangup: not an error.
            logger.debug("connection error: \(error)")
            close()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        deadline?.cancel()
        connection?.markHungUp()
        if let pending {
            self.pending = nil
            pending.timeout.cancel()
            pending.promise.fail(AGICallError.connectionClosed)
        }
        context.fireChannelInactive()
    }

    // MARK: Commands from the route handler

    func write(line: String, timeout: Duration, promise: EventLoopPromise<AGIReply>) {
        guard case .running = state, let context else {
            promise.fail(AGICallError.connectionClosed)
            return
        }
        guard pending == nil else {
            promise.fail(AGICallError.protocolViolation("a command is already waiting for its reply"))
            return
        }
        let scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) { [weak self] in
            guard let self, let pending = self.pending else { return }
            self.pending = nil
            pending.promise.fail(AGICallError.replyTimeout(command: pending.command))
            self.abort("no reply within \(timeout) to \(pending.command)")
        }
        pending = Pending(command: line, promise: promise, timeout: scheduled)
        var buffer = context.channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        // One write per command: Asterisk must never see two commands at once.
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func close() {
        guard let context, context.channel.isActive else { return }
        context.close(promise: nil)
    }

    // MARK: Internals

    private func handle(_ event: AGIInboundEvent) {
        switch event {
        case .hangup:
            logger.debug("HANGUP from Asterisk")
            connection?.markHungUp()
        case .progress:
            break
        case .reply(let reply):
            if reply == .deadChannel { connection?.markHungUp() }
            guard let pending else {
                logger.warning("reply with no command waiting: \(reply)")
                return
            }
            self.pending = nil
            pending.timeout.cancel()
            pending.promise.succeed(reply)
        }
    }

    private func start(_ environment: AGIEnvironment, context: ChannelHandlerContext) {
        deadline?.cancel()
        state = .running
        let script = environment.script
        logger[metadataKey: "uniqueid"] = "\(environment.uniqueID)"
        logger[metadataKey: "route"] = "\(script.route)"
        guard let route = router.handler(for: script.route) else {
            logger.warning("unknown route, closing", metadata: ["script": "\(environment["agi_network_script"] ?? "")"])
            close()
            return
        }
        let connection = AGIConnection(handler: self, eventLoop: context.eventLoop, replyTimeout: configuration.replyTimeout)
        self.connection = connection
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.sessionTimeout.timeAmount) { [weak self] in
            self?.abort("session exceeded \(self?.configuration.sessionTimeout ?? .zero)")
        }
        let call = AGICall(environment: environment, logger: logger, connection: connection)
        sessions.run(call: call, route: route)
    }

    /// Ends the connection because of something the peer did (or failed to do).
    private func abort(_ reason: String) {
        guard context?.channel.isActive == true else { return }
        logger.warning("closing connection: \(reason)")
        close()
    }
}

extension Duration {
    var timeAmount: TimeAmount { .nanoseconds(milliseconds * 1_000_000) }
}
