import AGI
import Logging
import NIOCore

/// Reads the environment, starts the route's handler, and matches each reply to its command.
/// Runs on the channel's event loop only.
final class AGIConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case environment(EnvironmentParser)
        case running
        case closed
    }

    typealias Reply = UnsafeContinuation<Result<AGIReply, AGICallError>, Never>

    /// The command waiting for its reply. Whoever takes it out of `pending` resumes it, exactly once.
    private struct Pending {
        /// The whole line: redacted only if it is ever named in an error (rarely; it costs).
        let line: String
        let reply: Reply
        let deadline: NIODeadline
        let timeout: Duration
    }

    private let configuration: ServerConfiguration
    private let router: AGIRouter
    private let sessions: SessionTracker
    private let log: SessionLogger
    private var logger: Logger { log.logger }
    private var state: State
    private var context: ChannelHandlerContext?
    private var pending: Pending?
    private var replyParser = ReplyParser()
    private var lines: LineSplitter
    /// One timer per connection watches every deadline (environment, session, reply). It is
    /// re-armed lazily when it fires early, instead of a timer scheduled and cancelled per command.
    private var watchdog: Scheduled<Void>?
    private var watchdogDeadline = NIODeadline.distantFuture
    private var environmentDeadline = NIODeadline.distantFuture
    private var sessionDeadline = NIODeadline.distantFuture
    private var connection: AGIConnection?

    init(configuration: ServerConfiguration, router: AGIRouter, sessions: SessionTracker, logger: SessionLogger) {
        self.configuration = configuration
        self.router = router
        self.sessions = sessions
        self.log = logger
        self.state = .environment(EnvironmentParser(limits: configuration.environmentLimits))
        self.lines = LineSplitter(maxLength: configuration.maxLineLength)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        environmentDeadline = .now() + configuration.environmentTimeout.timeAmount
        arm(at: environmentDeadline, context: context)
        context.fireChannelActive()
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        watchdogDeadline = deadline
        watchdog = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.watchdogFired(context: context)
        }
    }

    /// Brings the watchdog forward when a deadline falls before the one it is armed for.
    private func armIfSooner(_ deadline: NIODeadline, context: ChannelHandlerContext) {
        guard watchdog == nil || deadline < watchdogDeadline else { return }
        watchdog?.cancel()
        arm(at: deadline, context: context)
    }

    private func watchdogFired(context: ChannelHandlerContext) {
        watchdog = nil
        let now = NIODeadline.now()
        switch state {
        case .closed:
            return
        case .environment:
            if now >= environmentDeadline { return abort("environment not received within \(configuration.environmentTimeout)") }
            arm(at: environmentDeadline, context: context)
        case .running:
            if now >= sessionDeadline { return abort("session exceeded \(configuration.sessionTimeout)") }
            if let pending, now >= pending.deadline {
                self.pending = nil
                let command = Self.redacted(pending.line)
                pending.reply.resume(returning: .failure(.replyTimeout(command: command)))
                return abort("no reply within \(pending.timeout) to \(command)")
            }
            arm(at: min(sessionDeadline, pending?.deadline ?? sessionDeadline), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = lines.append(unwrapInboundIn(data))
        do {
            while let line = try lines.next(&buffer) {
                if case .closed = state { return }
                handle(line: line, context: context)
            }
        } catch {
            abort("\(error)")
        }
    }

    private func handle(line: String, context: ChannelHandlerContext) {
        switch state {
        case .environment(var parser):
            // Drop the state's copy first: the parser's buffers then have one owner, and appending a
            // line no longer copies every line before it.
            state = .closed
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
        // Resets and broken pipes are how Asterisk ends sessions after a hangup: not an error.
        log.log(level: .debug, "connection error: \(error)")
        close()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        watchdog?.cancel()
        watchdog = nil
        connection?.markHungUp()
        if let pending {
            self.pending = nil
            pending.reply.resume(returning: .failure(.connectionClosed))
        }
        context.fireChannelInactive()
    }

    // MARK: Commands from the route handler

    func write(line: String, timeout: Duration, reply: Reply) {
        guard case .running = state, let context else {
            reply.resume(returning: .failure(.connectionClosed))
            return
        }
        guard pending == nil else {
            reply.resume(returning: .failure(.protocolViolation("a command is already waiting for its reply")))
            return
        }
        let deadline = NIODeadline.now() + timeout.timeAmount
        pending = Pending(line: line, reply: reply, deadline: deadline, timeout: timeout)
        // Usually the watchdog is already due sooner than this reply: then no timer work at all.
        armIfSooner(deadline, context: context)
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
            log.log(level: .debug, "HANGUP from Asterisk")
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
            pending.reply.resume(returning: .success(reply))
        }
    }

    private func start(_ environment: AGIEnvironment, context: ChannelHandlerContext) {
        state = .running
        let script = environment.script
        log.add("uniqueid", "\(environment.uniqueID)")
        log.add("route", "\(script.route)")
        guard let route = router.handler(for: script.route) else {
            logger.warning("unknown route, closing", metadata: ["script": "\(environment["agi_network_script"] ?? "")"])
            close()
            return
        }
        let connection = AGIConnection(handler: self, eventLoop: context.eventLoop, replyTimeout: configuration.replyTimeout)
        self.connection = connection
        sessionDeadline = .now() + configuration.sessionTimeout.timeAmount
        armIfSooner(sessionDeadline, context: context)
        let call = AGICall(environment: environment, logger: log, connection: connection)
        sessions.run(call: call, route: route)
    }

    /// The command without its values, for logs and errors: a `SET VARIABLE ACCTCODE` value is an
    /// account code, and codes never reach a log.
    static func redacted(_ line: String) -> String {
        let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        let keep = words.first == "SET" || words.first == "GET" ? 3 : 2
        return words.prefix(keep).joined(separator: " ")
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
