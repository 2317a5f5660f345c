import Logging
import Synchronization

/// Runs route handlers and counts the sessions in flight, so shutdown can wait for them.
final class SessionTracker: Sendable {
    private let active = Atomic<Int>(0)
    private let total = Atomic<Int>(0)

    var activeCount: Int { active.load(ordering: .relaxed) }
    var totalCount: Int { total.load(ordering: .relaxed) }

    func run(call: AGICall, route: @escaping AGIRouteHandler) {
        active.add(1, ordering: .relaxed)
        total.add(1, ordering: .relaxed)
        Task {
            let start = ContinuousClock.now
            var failure: (any Error)?
            do {
                try await route(call)
            } catch {
                failure = error
            }
            call.connection.close()
            let elapsed = ContinuousClock.now - start
            var metadata: Logger.Metadata = [
                "outcome": "\(call.outcome ?? (failure == nil ? "done" : "error"))",
                "ms": "\(elapsed.milliseconds)",
            ]
            if call.isHungUp { metadata["hungup"] = "yes" }
            if let failure {
                // A handler error ends its own session only; a closed connection is a caller leaving.
                metadata["error"] = "\(failure)"
                call.logger.log(level: failure as? AGICallError == .connectionClosed ? .info : .error, "session", metadata: metadata)
            } else {
                call.logger.info("session", metadata: metadata)
            }
            active.subtract(1, ordering: .relaxed)
        }
    }
}
