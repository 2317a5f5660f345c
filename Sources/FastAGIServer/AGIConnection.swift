import AGI
import NIOCore
import Synchronization

/// The thread-safe face of one connection: hops each command onto the channel's event loop, and
/// keeps what the route's side needs to know of how the session went.
final class AGIConnection: Sendable {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<AGIConnectionHandler>
    let replyTimeout: Duration
    private let events = Atomic<UInt8>(0)

    /// What happened to the connection, as flags.
    struct Events: OptionSet, Sendable {
        let rawValue: UInt8
        /// Asterisk said `HANGUP` or answered 511: the channel is dead, variables still work.
        static let hungUp = Events(rawValue: 1)
        /// The socket closed while the route was still running.
        static let closedByPeer = Events(rawValue: 2)
        /// The server cut the session for a limit (a timeout, a bad line).
        static let cutForLimit = Events(rawValue: 4)
    }

    init(handler: AGIConnectionHandler, eventLoop: any EventLoop, replyTimeout: Duration) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
        self.replyTimeout = replyTimeout
    }

    var happened: Events { Events(rawValue: events.load(ordering: .relaxed)) }
    var isHungUp: Bool { !happened.isDisjoint(with: [.hungUp, .closedByPeer, .cutForLimit]) }
    func record(_ event: Events) { events.bitwiseOr(event.rawValue, ordering: .relaxed) }

    /// How the session ended, for its log line.
    var ending: String {
        let happened = happened
        if happened.contains(.cutForLimit) { return "limit" }
        if happened.contains(.closedByPeer) { return "peer-closed" }
        if happened.contains(.hungUp) { return "caller-hangup" }
        return "completed"
    }

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

    /// The route is done: the server ends the session.
    func close() {
        if eventLoop.inEventLoop {
            handler.value.routeFinished()
        } else {
            eventLoop.execute { [handler] in handler.value.routeFinished() }
        }
    }
}
