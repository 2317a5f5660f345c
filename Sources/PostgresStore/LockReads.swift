import AccountCodes
import Logging
import PostgresNIO
import StoreCore
import Synchronization

/// The call path's lock reads, batched: while one read is on its way to the database, the reads
/// asked for meanwhile wait and then go together in one statement. Each read still starts after
/// it was asked for, so a lock another server set before the code was checked is seen, as with a
/// read of its own; under load, one round trip (and one deadline) serves many calls instead of
/// each paying the pool's lease, a statement and a timer.
final class LockReads: Sendable {
    typealias Key = HotStatements.Locks.Key
    private typealias Reply = CheckedContinuation<Result<LockState?, StoreError>, Never>

    private struct State {
        var waiting: [(key: Key, reply: Reply)] = []
        var reading = false
    }

    /// Reads in one statement at most; more wait for the next.
    static let largestBatch = 256
    private let state = Mutex(State())

    /// The lock of `key` as the database has it once this read's batch runs.
    func read(_ key: Key, in store: PostgresStore) async throws(StoreError) -> LockState? {
        let result = await withCheckedContinuation { (reply: Reply) in
            let start = state.withLock { state -> Bool in
                state.waiting.append((key, reply))
                defer { state.reading = true }
                return !state.reading
            }
            if start { store.runDetached { await self.drain(store) } }
        }
        return try result.get()
    }

    /// Reads batch after batch until nothing waits.
    private func drain(_ store: PostgresStore) async {
        while true {
            let batch = state.withLock { state -> [(key: Key, reply: Reply)] in
                let taken = Array(state.waiting.prefix(Self.largestBatch))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.reading = false }
                return taken
            }
            if batch.isEmpty { return }
            let keys = Array(Set(batch.map(\.key)))
            let read: Result<[Key: LockState], StoreError>
            do throws(StoreError) {
                read = .success(try await store.timed("reading locks") { [client = store.client, logger = store.logger] in
                    var found: [Key: LockState] = [:]
                    for row in try await client.execute(HotStatements.Locks(keys: keys), logger: logger).collect() {
                        found[Key(account: row.0, subject: row.1)] = LockState(lockedAt: row.2, until: row.3, strikes: row.4, count: row.5)
                    }
                    return found
                })
            } catch {
                read = .failure(error)
            }
            for (key, reply) in batch { reply.resume(returning: read.map { $0[key] }) }
        }
    }
}
