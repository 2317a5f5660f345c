import Synchronization

/// Whether this server should be sent new calls: the `ping` route's answer and the API's
/// `GET /healthz`, for a PBX admin, a load balancer or a monitoring system. Cheap: no query.
public final class Readiness: Sendable {
    public enum State: String, Sendable {
        case ready
        /// Shutting down: no new sessions are taken (the listener is closed), those in flight finish.
        case draining
        /// The store does not answer: calls go on from cached settings and the spool, but another
        /// server is better placed to take them.
        case storeUnavailable = "store-unavailable"
    }

    private let drainingFlag = Mutex(false)
    private let storeReachable: @Sendable () -> Bool

    public init(storeReachable: @escaping @Sendable () -> Bool = { true }) {
        self.storeReachable = storeReachable
    }

    /// From the moment a shutdown begins.
    public func beginDraining() { drainingFlag.withLock { $0 = true } }

    public var state: State {
        if drainingFlag.withLock({ $0 }) { return .draining }
        return storeReachable() ? .ready : .storeUnavailable
    }
}
