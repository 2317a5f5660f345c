import ArgumentParser
import NIOCore
import NIOPosix

/// The floor for SwiftNIO itself: the C floor's fixed 3-command flow (agilimit3.c: no logic, no store) on a
/// bare NIO pipeline, to tell what the I/O layer costs from what acctcodes adds on top.
struct NIOFloor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nio-floor", abstract: "Serve the C floor's fixed flow on bare SwiftNIO (no logic).")
    @Option var port = 4599
    @Option var threads = System.coreCount
    @Flag(help: "Run each session's flow as a Swift task that awaits every reply, as acctcodes' routes do.")
    var async = false

    func run() async throws {
        // The async flow runs as acctcodes serve does: tasks on the event loops (NIO as Swift's executor).
        let group = async && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            ? MultiThreadedEventLoopGroup.singleton : MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(async ? AsyncFlowHandler() as ChannelHandler : FixedFlowHandler())
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        print("nio-floor on 127.0.0.1:\(port), \(threads) threads\(async ? ", a task per session" : "")")
        try await channel.closeFuture.get()
    }
}

/// The only reading both floors do: count bytes to each newline, and tell the blank line that
/// ends the environment from each reply after it.
private struct FlowLines {
    enum Event { case environmentEnd, reply }
    private var inEnvironment = true
    private var lineLength = 0

    /// Calls `body` for each event in the buffer until it returns false.
    mutating func scan(_ buffer: ByteBuffer, _ body: (Event) -> Bool) {
        for byte in buffer.readableBytesView {
            guard byte == UInt8(ascii: "\n") else { lineLength += 1; continue }
            defer { lineLength = 0 }
            if inEnvironment {
                guard lineLength == 0 else { continue }
                inEnvironment = false
                if !body(.environmentEnd) { return }
            } else if !body(.reply) {
                return
            }
        }
    }
}

private final class FixedFlowHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    /// acctcodes' own 3 commands, as `agilimit3.c` sends them.
    static let flow = ["ANSWER\n", "GET DATA acctcodes/enter-code 5000 4\n",
                       "EXEC MSet \"ACCTCODE=1234,CHANNEL(accountcode)=1234,ACCTCODE_CLASS=international,ACCTCODE_REASON=code-valid,"
                           + "ACCTCODE_RESULT=ACCEPTED,ACCTCODE_ALLOW=1\"\n"]
    var lines = FlowLines()
    var step = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lines.scan(unwrapInboundIn(data)) { _ in
            if step == Self.flow.count { context.close(promise: nil); return false }
            send(context)
            return true
        }
    }

    private func send(_ context: ChannelHandlerContext) {
        let line = Self.flow[step]
        step += 1
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: line)), promise: nil)
    }
}

/// The same flow driven by a task per session that awaits each reply through a continuation:
/// what Swift concurrency adds to bare NIO, to weigh a route written as a state machine instead.
private final class AsyncFlowHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    // Touched on the channel's event loop only.
    var lines = FlowLines()
    var waiting: UnsafeContinuation<Void, Never>?
    var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lines.scan(unwrapInboundIn(data)) { event in
            switch event {
            case .environmentEnd:
                let loop = context.eventLoop
                Task { await self.run(loop) }
            case .reply:
                let waiter = waiting
                waiting = nil
                waiter?.resume()
            }
            return true
        }
    }

    private func run(_ loop: any EventLoop) async {
        for line in FixedFlowHandler.flow {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let send: @Sendable () -> Void = {
                    self.waiting = continuation
                    guard let context = self.context else { return continuation.resume() }
                    context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: line)), promise: nil)
                }
                if loop.inEventLoop { send() } else { loop.execute(send) }
            }
        }
        let close: @Sendable () -> Void = { self.context?.close(promise: nil) }
        if loop.inEventLoop { close() } else { loop.execute(close) }
    }
}
