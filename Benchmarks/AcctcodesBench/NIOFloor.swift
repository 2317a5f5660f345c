import ArgumentParser
import NIOCore
import NIOPosix

/// The floor for SwiftNIO itself: the C floor's fixed 7-command flow (no logic, no store) on a
/// bare NIO pipeline, to tell what the I/O layer costs from what acctcodes adds on top.
struct NIOFloor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nio-floor", abstract: "Serve the C floor's fixed flow on bare SwiftNIO (no logic).")
    @Option var port = 4599
    @Option var threads = System.coreCount

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FixedFlowHandler()) }
            }
            .bind(host: "127.0.0.1", port: port).get()
        print("nio-floor on 127.0.0.1:\(port), \(threads) threads")
        try await channel.closeFuture.get()
    }
}

private final class FixedFlowHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let flow = ["ANSWER\n", "GET DATA acctcode-enter 5000 4\n", "SET VARIABLE CHANNEL(accountcode) 1234\n",
                       "SET VARIABLE ACCTCODE 1234\n", "SET VARIABLE ACCTCODE_RESULT ACCEPTED\n", "SET VARIABLE ACCTCODE_ALLOW 1\n",
                       "SET VARIABLE ACCTCODE_CLASS international\n"]
    var inEnvironment = true
    var step = 0
    var lineLength = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for byte in buffer.readableBytesView {
            guard byte == UInt8(ascii: "\n") else { lineLength += 1; continue }
            defer { lineLength = 0 }
            if inEnvironment {
                if lineLength == 0 { inEnvironment = false; send(context) }
                continue
            }
            if step == Self.flow.count { context.close(promise: nil); return }
            send(context)
        }
    }

    private func send(_ context: ChannelHandlerContext) {
        let line = Self.flow[step]
        step += 1
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: line)), promise: nil)
    }
}
