import AGI
import Logging
import NIOCore

/// Drives one session's `AGISessionStateMachine` from the channel's events and performs what it
/// returns: writes a command, resumes the route's waiting command, arms the one timer, closes.
/// Runs on the channel's event loop only. It keeps only what the machine cannot (the route's
/// continuation, the timer, the context), and drops all of it once the channel is gone, so the
/// connection, its call and this handler are freed together whatever still refers to one of them.
final class AGIConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    typealias Reply = UnsafeContinuation<Result<AGIReply, AGICallError>, Never>

    private let configuration: ServerConfiguration
    private let router: AGIRouter
    private let sessions: SessionTracker
    private let log: SessionLogger
    private var machine: AGISessionStateMachine
    private var lines: LineSplitter
    private var context: ChannelHandlerContext?
    /// The route's command waiting for its reply. Whoever takes it out resumes it, exactly once.
    private var waiting: Reply?
    private var timer: Scheduled<Void>?
    private var connection: AGIConnection?
    private var routeDone = false

    init(configuration: ServerConfiguration, router: AGIRouter, sessions: SessionTracker, logger: SessionLogger) {
        self.configuration = configuration
        self.router = router
        self.sessions = sessions
        self.log = logger
        self.machine = AGISessionStateMachine(limits: .init(environment: configuration.environmentLimits,
                                                            environmentTimeout: configuration.environmentTimeout,
                                                            sessionTimeout: configuration.sessionTimeout))
        self.lines = LineSplitter(maxLength: configuration.maxLineLength)
    }

    /// The machine's clock: NIO's monotonic uptime.
    private static var now: Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds)) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { perform(machine.connected(now: Self.now)) }
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.connected(now: Self.now))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = lines.append(unwrapInboundIn(data))
        do {
            while machine.isOpen, let line = try lines.next(&buffer) {
                perform(machine.lineRead(line, now: Self.now))
            }
        } catch {
            perform(machine.lineTooLong(limit: error.limit))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log.log(level: .debug, "connection error: \(error)")
        perform(machine.errorCaught())
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.peerClosed())
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        perform(machine.peerClosed())
    }

    // MARK: From the route, through AGIConnection (on this event loop)

    func write(line: String, timeout: Duration, reply: Reply) {
        guard waiting == nil else {
            reply.resume(returning: .failure(.protocolViolation("a command is already waiting for its reply")))
            return
        }
        waiting = reply
        perform(machine.commandIssued(line, timeout: timeout, now: Self.now))
    }

    func routeFinished() {
        routeDone = true
        perform(machine.routeFinished())
    }

    // MARK: Actions

    private func perform(_ action: AGISessionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .armTimer(let at):
            arm(at)
        case .startSession(let environment, let timerAt):
            if let timerAt { arm(timerAt) }
            start(environment)
        case .write(let line, let timerAt):
            if let timerAt { arm(timerAt) }
            guard let context else { return resume(.failure(.connectionClosed)) }
            var buffer = context.channel.allocator.buffer(capacity: line.utf8.count + 1)
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .succeedCommand(let reply):
            if reply == .deadChannel { connection?.record(.hungUp) }
            resume(.success(reply))
        case .failCommand(let error):
            resume(.failure(error))
        case .markHungUp:
            connection?.record(.hungUp)
        case .ignoreUnexpectedReply(let status):
            log.log(level: .warning, "reply with no command waiting (status \(status)), ignored")
        case .close(let reason, let failing):
            // Recorded before the route resumes: it may read `isHungUp` at once, on another thread.
            if let reason {
                log.log(level: .warning, "closing connection: \(reason)")
                connection?.record(.cutForLimit)
            }
            stop(failing: failing)
            context?.close(promise: nil)
        case .connectionLost(let failing):
            // As above: the route that resumes with the failure must already see the hangup.
            recordPeerGone()
            stop(failing: failing)
            context?.close(promise: nil)
        case .release(let failing):
            recordPeerGone()
            stop(failing: failing)
            // Break every reference: the connection (held by the call) points back at this handler.
            connection = nil
            context = nil
        }
    }

    /// Every end of a session: the waiting command fails, if there is one, and the timer stops.
    private func stop(failing: AGICallError?) {
        if let failing { resume(.failure(failing)) }
        timer?.cancel()
        timer = nil
    }

    /// The peer went away while the route was still running (after it, the close is ours).
    private func recordPeerGone() {
        if !routeDone { connection?.record(.closedByPeer) }
    }

    private func resume(_ result: Result<AGIReply, AGICallError>) {
        guard let waiting else { return }
        self.waiting = nil
        waiting.resume(returning: result)
    }

    /// One timer per connection: moved earlier when a sooner deadline comes, left alone otherwise.
    private func arm(_ at: Duration) {
        guard let context else { return }
        timer?.cancel()
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, TimeAmount(at).nanoseconds)))
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.perform(self.machine.timerFired(now: Self.now))
        }
    }

    private func start(_ environment: AGIEnvironment) {
        guard let context else { return }
        let script = environment.script
        // Made safe only if a line is logged: most sessions log nothing at the default level.
        log.add("uniqueid", .stringConvertible(LogSafe(environment.uniqueID)))
        log.add("route", .stringConvertible(LogSafe(script.route)))
        guard let route = router.handler(for: script.route) else {
            log.log(level: .warning, "unknown route, closing",
                    metadata: ["script": .stringConvertible(LogSafe(environment["agi_network_script"] ?? ""))])
            return routeFinished()
        }
        let connection = AGIConnection(handler: self, eventLoop: context.eventLoop, replyTimeout: configuration.replyTimeout)
        self.connection = connection
        let peer = context.channel.remoteAddress.flatMap(AddressAllowList.bytes(of:))
        sessions.run(call: AGICall(environment: environment, peerAddress: peer, logger: log, connection: connection), route: route)
    }
}
