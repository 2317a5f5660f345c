import NIOCore
import NIOPosix

/// A bare TCP peer for hostile input: writes exactly the given bytes and reports what came back.
public struct RawPeer: Sendable {
    public struct Result: Sendable {
        public var received: String
        /// True when the server closed the connection before the peer's own deadline.
        public var closedByServer: Bool
    }

    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Sends `chunks` (pausing `pause` between them), then waits up to `wait` for the server to close.
    /// With `resetOn`, the peer resets the connection (a TCP RST, as when an Asterisk host's
    /// kernel drops the socket) once the server has sent a line holding that text.
    public func exchange(_ chunks: [String], pause: Duration = .zero, wait: Duration = .seconds(5),
                         closeAfterSending: Bool = false, resetOn: String? = nil) async throws -> Result {
        let group = MultiThreadedEventLoopGroup.singleton
        let collector = group.next().makePromise(of: Void.self)
        let box = ReceivedBox()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RawCollector(box: box, closed: collector))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            collector.fail(error)
            throw error
        }
        for (index, chunk) in chunks.enumerated() {
            if index > 0, pause > .zero { try await Task.sleep(for: pause) }
            try? await channel.writeAndFlush(ByteBuffer(string: chunk))
        }
        if closeAfterSending {
            try? await channel.close()
        }
        if let resetOn {
            let deadline = ContinuousClock.now + wait
            while !box.text.contains(resetOn), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            // A zero linger makes the close a reset.
            try await (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            try? await channel.close()
        }
        let closed = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await collector.futureResult.get()) != nil }
            group.addTask {
                try? await Task.sleep(for: wait)
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            // Closing resolves the collector, so the group's other child can finish.
            try? await channel.close()
            return first
        }
        return Result(received: box.text, closedByServer: closed && !closeAfterSending)
    }
}

import Synchronization

final class ReceivedBox: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ buffer: ByteBuffer) { bytes.withLock { $0 += buffer.readableBytesView } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

final class RawCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let box: ReceivedBox
    let closed: EventLoopPromise<Void>

    init(box: ReceivedBox, closed: EventLoopPromise<Void>) {
        self.box = box
        self.closed = closed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        box.append(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.succeed(())
    }
}
