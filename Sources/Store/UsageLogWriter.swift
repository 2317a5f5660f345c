import Dispatch
import Synchronization

/// Appends usage entries durably, committing concurrent calls' entries together.
///
/// A caller's `append` returns only once its entry is committed, so the server can answer the
/// dialplan knowing the entry survives the process being killed. While one batch commits on the
/// writer's own queue, new entries queue and go in the next transaction: one commit serves many
/// calls under load. A lock and a queue rather than an actor: the hot path of every call takes
/// one lock and one continuation, with no extra task or hop per batch.
public final class UsageLogWriter: Sendable {
    private typealias Waiter = UnsafeContinuation<Result<Void, StoreError>, Never>

    private struct State {
        var pending: [(UsageEntry, Waiter)] = []
        var flushing = false
        var batches = 0
        var written = 0
    }

    private let store: AcctcodesStore
    private let queue = DispatchQueue(label: "acctcodes.usage-log")
    private let state = Mutex(State())

    public init(store: AcctcodesStore) { self.store = store }

    /// Commits so far, and entries in them: how well appends were batched.
    public var batches: Int { state.withLock { $0.batches } }
    public var written: Int { state.withLock { $0.written } }

    public func append(_ entry: UsageEntry) async throws(StoreError) {
        let result = await withUnsafeContinuation { (waiter: Waiter) in
            let startFlush = state.withLock { state -> Bool in
                state.pending.append((entry, waiter))
                defer { state.flushing = true }
                return !state.flushing
            }
            if startFlush { queue.async { self.flush() } }
        }
        try result.get()
    }

    /// Runs on `queue` until nothing is pending.
    private func flush() {
        while true {
            let batch = state.withLock { state -> [(UsageEntry, Waiter)] in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.flushing = false }
                return state.pending
            }
            if batch.isEmpty { return }
            let result: Result<Void, StoreError>
            do {
                try store.commitUsage(batch.map { $0.0 })
                result = .success(())
                state.withLock {
                    $0.batches += 1
                    $0.written += batch.count
                }
            } catch {
                result = .failure(error)
            }
            for (_, waiter) in batch { waiter.resume(returning: result) }
        }
    }
}
