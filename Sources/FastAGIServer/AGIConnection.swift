import AGI
import NIOCore
import Synchronization

/// The thread-safe face of one connection: hops each command onto the channel's event loop.
final class AGIConnection: Sendable {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<AGIConnectionHandler>
    let replyTimeout: Duration
    private let hungUp = Atomic<Bool>(false)

    init(handler: AGIConnectionHandler, eventLoop: any EventLoop, replyTimeout: Duration) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
        self.replyTimeout = replyTimeout
    }

    var isHungUp: Bool { hungUp.load(ordering: .relaxed) }
    func markHungUp() { hungUp.store(true, ordering: .relaxed) }

    func send(line: String, timeout: Duration?) async throws(AGICallError) -> AGIReply {
        let bound = timeout ?? replyTimeout
        let result = await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<AGIReply, AGICallError>, Never>) in
            // Route handlers usually run on this very event loop (serve installs NIO as Swift's
            // executor): then the command is written at once, with no hop and no promise.
            if eventLoop.inEventLoop {
                handler.value.write(line: line, timeout: bound, reply: continuation)
            } else {
                eventLoop.execute { [handler] in handler.value.write(line: line, timeout: bound, reply: continuation) }
            }
        }
        return try result.get()
    }

    func close() {
        if eventLoop.inEventLoop {
            handler.value.close()
        } else {
            eventLoop.execute { [handler] in handler.value.close() }
        }
    }
}
