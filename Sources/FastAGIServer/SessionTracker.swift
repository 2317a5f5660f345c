import AGI
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
            // Only what the route's await needs lives in this frame: a waiting call's task frames
            // past its first 1 KB slab cost it a 3.9 KB slab more (see BENCHMARKS.md).
            let start = ContinuousClock.now
            var failure: (any Error)?
            do {
                try await route(call)
            } catch {
                failure = error
            }
            self.ended(call, started: start, failure: failure)
        }
    }

    /// Closes the session and logs its line.
    private func ended(_ call: AGICall, started start: ContinuousClock.Instant, failure: (any Error)?) {
        let ending = call.connection.ending
        call.connection.close()
        let level: Logger.Level = switch failure {
        case nil: .info
        // A handler error ends its own session only; a closed connection is a caller leaving.
        case let error as AGICallError where error == .connectionClosed: .info
        default: .error
        }
        call.log.log(level: level, "session", metadata: {
            var metadata: Logger.Metadata = [
                "outcome": "\(call.outcome ?? (failure == nil ? "done" : "error"))",
                "ms": "\((ContinuousClock.now - start).milliseconds)",
            ]
            metadata["ended"] = "\(ending)"
            if let failure { metadata["error"] = "\(failure)" }
            return metadata
        }())
        active.subtract(1, ordering: .relaxed)
    }
}
