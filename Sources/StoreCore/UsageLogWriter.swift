import Dispatch
import Foundation
import Metrics
import Synchronization

/// Applies usage-log operations durably, committing concurrent calls' operations together.
///
/// A caller's `append` returns only once its operation is committed, so the server can answer the
/// dialplan knowing the entry survives the process being killed. While one batch commits on the
/// writer's own queue, new entries queue and go in the next transaction: one commit serves many
/// calls under load. And when the last commit held more than one entry (calls are arriving
/// together), the writer waits `groupCommitDelay` before taking the next batch, so more entries
/// share it: a commit costs far more than an entry (measured at 100 concurrent calls: 3.7 entries a
/// commit without the wait; with 500 us, 10-15 % more calls per second and a lower p99). A lone
/// call never waits. A lock and a queue rather than an actor: the hot path of every call takes
/// one lock and one continuation, with no extra task or hop per batch.
public final class UsageLogWriter: Sendable {
    private typealias Waiter = UnsafeContinuation<Result<UsageOperation.Applied, StoreError>, Never>

    /// Runs a caller's resumption where the caller wants to continue (its connection's event loop),
    /// instead of wherever Swift's global executor would put it: otherwise about half the calls
    /// would go on on the other loop and cross back for their next command.
    public typealias Deliver = @Sendable (_ resume: @escaping @Sendable () -> Void) -> Void

    private struct State {
        var pending: [(operation: UsageOperation, waiter: Waiter, deliver: Deliver?)] = []
        var flushing = false
        var batches = 0
        var written = 0
        /// Entries in the last commit: more than one means calls are arriving together.
        var lastBatch = 0
    }

    private let store: any UsageStore
    private let queue = DispatchQueue(label: "acctcodes.usage-log")
    private let state = Mutex(State())

    /// Seconds; zero turns the wait off.
    private let groupCommitDelay: Double
    /// Made when the writer is: `serve` sets up metrics before it opens the store.
    private let commitTime = Metrics.Timer(label: "acctcodes_usage_commit_seconds")
    private let batchSize = Recorder(label: "acctcodes_usage_commit_batch_size")

    public init(store: any UsageStore, groupCommitDelay: Duration = .microseconds(500)) {
        self.store = store
        let parts = groupCommitDelay.components
        self.groupCommitDelay = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Commits so far, and entries in them: how well appends were batched.
    public var batches: Int { state.withLock { $0.batches } }
    public var written: Int { state.withLock { $0.written } }

    @discardableResult
    public func append(_ operation: UsageOperation, deliver: Deliver? = nil) async throws(StoreError) -> UsageOperation.Applied {
        let result = await withUnsafeContinuation { (waiter: Waiter) in
            let startFlush = state.withLock { state -> Bool in
                state.pending.append((operation, waiter, deliver))
                defer { state.flushing = true }
                return !state.flushing
            }
            if startFlush { queue.async { self.flush() } }
        }
        return try result.get()
    }

    /// Runs on `queue` until nothing is pending.
    private func flush() {
        while true {
            if state.withLock({ $0.lastBatch }) > 1, groupCommitDelay > 0 {
                // Blocks only this writer's own queue; callers are waiting on their continuations.
                Thread.sleep(forTimeInterval: groupCommitDelay)
            }
            let batch = state.withLock { state -> [(operation: UsageOperation, waiter: Waiter, deliver: Deliver?)] in
                defer { state.pending = [] }
                // Zero when idle: the next call to arrive is alone until shown otherwise.
                state.lastBatch = state.pending.count
                if state.pending.isEmpty { state.flushing = false }
                return state.pending
            }
            if batch.isEmpty { return }
            let results: [Result<UsageOperation.Applied, StoreError>]
            do {
                let start = ContinuousClock.now
                results = try store.applyUsage(batch.map(\.operation), replaying: false).map { .success($0) }
                commitTime.record(duration: ContinuousClock.now - start)
                batchSize.record(batch.count)
                state.withLock {
                    $0.batches += 1
                    $0.written += batch.count
                }
            } catch {
                results = Array(repeating: .failure(error), count: batch.count)
            }
            for ((_, waiter, deliver), result) in zip(batch, results) {
                if let deliver { deliver { waiter.resume(returning: result) } } else { waiter.resume(returning: result) }
            }
        }
    }
}
