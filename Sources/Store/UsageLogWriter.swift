/// Appends usage entries durably, committing concurrent calls' entries together.
///
/// A caller's `append` returns only once its entry is committed, so the server can answer the
/// dialplan knowing the entry survives the process being killed. While one batch commits, new
/// entries queue and go in the next transaction: one commit serves many calls under load.
public actor UsageLogWriter {
    private let store: AcctcodesStore
    private var pending: [(UsageEntry, CheckedContinuation<Void, any Error>)] = []
    private var flushing = false
    public private(set) var batches = 0
    public private(set) var written = 0

    public init(store: AcctcodesStore) { self.store = store }

    public func append(_ entry: UsageEntry) async throws(StoreError) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                pending.append((entry, continuation))
                if !flushing {
                    flushing = true
                    Task { await self.flush() }
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                try await store.appendUsage(batch.map(\.0))
                batches += 1
                written += batch.count
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
