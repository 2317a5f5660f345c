import AGI
import NIOCore
import NIOPosix

/// What happened in one simulated session.
public struct SessionRecord: Sendable {
    public enum Ending: Sendable, Equatable {
        /// The server closed the socket: the normal end of a FastAGI session.
        case serverClosed
        /// The fake closed it (after `AGIEXITONHANGUP`-style hangup).
        case clientClosed
        /// The session outlived the client's own bound.
        case timedOut
    }

    public enum Direction: String, Sendable { case asterisk = "A>", server = "S>" }

    public var commands: [String] = []
    /// Every line on the wire in order, as in the recorded transcripts.
    public var dialogue: [(Direction, String)] = []
    public var variables: [String: String] = [:]
    public var assignments: [(name: String, value: String)] = []
    public var prompts: [String] = []
    /// The server's turnaround for each command: from the fake's last write (environment or reply)
    /// to the next command line arriving.
    public var commandTimes: [Duration] = []
    public var ending: Ending = .serverClosed
    /// Differences from a recording, when replaying one.
    public var mismatches: [String] = []
    public var duration: Duration = .zero

    /// The value set for a variable, if any.
    public subscript(variable name: String) -> String? { variables[name] }
}

/// Plays Asterisk's side of FastAGI sessions over real TCP.
public struct FakeAsteriskClient: Sendable {
    public var host: String
    public var port: Int
    public var group: any EventLoopGroup
    /// The fake gives up on a session after this long, so a test never hangs.
    public var sessionTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                sessionTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.group = group
        self.sessionTimeout = sessionTimeout
    }

    /// Runs one whole session: sends the environment, answers per the script, returns when the socket closes.
    public func run(_ environment: SessionEnvironment, script: CallScript = CallScript()) async throws -> SessionRecord {
        try await run(preamble: environment.wireText, script: script)
    }

    /// Like `run`, with the raw bytes to send first (for malformed environments).
    public func run(preamble: String, script: CallScript) async throws -> SessionRecord {
        try await run(preamble: preamble, side: AsteriskResponder(script: script))
    }

    /// Runs a session with any Asterisk side, e.g. a `TranscriptResponder`.
    public func run<Side: AsteriskSide>(preamble: String, side: Side) async throws -> SessionRecord {
        let promise = group.next().makePromise(of: SessionRecord.self)
        let timeout = sessionTimeout
        do {
            _ = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // Refused at once when nothing listens; a full accept backlog (a thousand calls at
            // once on a busy machine) retries SYNs for seconds.
            .connectTimeout(.seconds(15))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClientLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        FakeAsteriskHandler(responder: side, preamble: preamble,
                                            timeout: timeout, promise: promise))
                }
            }
            .connect(host: host, port: port).get()
        } catch {
            // Nothing will fulfil the promise if the connection never opened.
            promise.fail(error)
            throw error
        }
        return try await promise.futureResult.get()
    }
}

/// Unbounded line splitter for the client side: the server under test is what gets bounded.
struct ClientLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let line = buffer.readString(length: newline - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

final class FakeAsteriskHandler<Side: AsteriskSide>: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private var responder: Side
    private let preamble: String
    private let timeout: Duration
    private let promise: EventLoopPromise<SessionRecord>
    private var record = SessionRecord()
    private var started = ContinuousClock.now
    private var lastSent = ContinuousClock.now
    private var closedByUs = false
    private var timer: Scheduled<Void>?

    init(responder: Side, preamble: String, timeout: Duration, promise: EventLoopPromise<SessionRecord>) {
        self.responder = responder
        self.preamble = preamble
        self.timeout = timeout
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        started = .now
        for line in preamble.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            record.dialogue.append((.asterisk, String(line)))
        }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: preamble)), promise: nil)
        lastSent = .now
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            self?.record.ending = .timedOut
            self?.closedByUs = true
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        record.commandTimes.append(ContinuousClock.now - lastSent)
        record.commands.append(line)
        record.dialogue.append((.server, line))
        let action = responder.respond(to: line)
        switch action {
        case .stall:
            return
        case .send(let lines), .sendAndClose(let lines):
            send(lines, context: context)
            if case .sendAndClose = action {
                closedByUs = true
                context.close(promise: nil)
            }
        case .sendLater(let lines, let delay):
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [weak self] in
                guard context.channel.isActive else { return }
                self?.send(lines, context: context)
            }
        }
    }

    private func send(_ lines: [String], context: ChannelHandlerContext) {
        for reply in lines { record.dialogue.append((.asterisk, reply)) }
        let text = lines.map { $0 + "\n" }.joined()
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        lastSent = .now
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset from the server ends the session like a close.
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if record.ending != .timedOut { record.ending = closedByUs ? .clientClosed : .serverClosed }
        responder.finish(into: &record)
        record.duration = ContinuousClock.now - started
        promise.succeed(record)
    }
}
