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
        let promise = eventLoop.makePromise(of: AGIReply.self)
        let bound = timeout ?? replyTimeout
        eventLoop.execute { [handler] in handler.value.write(line: line, timeout: bound, promise: promise) }
        do {
            return try await promise.futureResult.get()
        } catch let error as AGICallError {
            throw error
        } catch {
            throw .connectionClosed
        }
    }

    func close() {
        eventLoop.execute { [handler] in handler.value.close() }
    }
}
