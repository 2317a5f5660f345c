import Dispatch
import Synchronization

/// The settings revision as last read by this store, in any transaction, so that a call under
/// load needs no read transaction of its own to trust the settings cache.
///
/// Why: with the usage log committing every millisecond or so, every read transaction starts by
/// throwing away its connection's page cache and reading its pages again; the revision read, and
/// the lock read beside it, cost 10 to 15 us each (BENCHMARKS.md, "Reads a call no longer makes").
/// The usage-log writer reads the revision inside each of its commits, where the page is already
/// at hand, and calls read it when the last reading is older than `freshness`.
///
/// What it changes: a change made by this store is seen by the next call, as before (every write
/// through this store forgets the reading). A change made by another process, the CLI, or another
/// store on the same file, is seen by calls at most `freshness` later: the same as if the change
/// had landed that much later. Under no load nothing is published and every call reads.
final class RevisionWatch: Sendable {
    /// How old a reading may be and still stand for the database's revision.
    static let freshness: UInt64 = 1_000_000  // 1 ms, in nanoseconds

    /// Taken before a read: what the reading is compared against when it is published.
    struct Token {
        fileprivate let generation: UInt64
        fileprivate let at: UInt64
    }

    private struct State {
        var revision: Int64?
        /// When the transaction that read it began (monotonic nanoseconds): its snapshot is no older.
        var readAt: UInt64 = 0
        /// Bumped by every write of this store: a reading taken before one never stands for after it.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Monotonic nanoseconds; the tests pass a clock of their own.
    private let now: @Sendable () -> UInt64

    init(clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        now = clock
    }

    /// The revision, when a reading younger than `freshness` stands for it.
    func fresh() -> Int64? {
        let now = now()
        return state.withLock { state in
            guard let revision = state.revision, now &- state.readAt <= Self.freshness else { return nil }
            return revision
        }
    }

    /// Take before the transaction that will read the revision begins.
    func token() -> Token {
        let at = now()
        return state.withLock { Token(generation: $0.generation, at: at) }
    }

    /// A revision read in a transaction that began after `token` was taken. Dropped when a write
    /// of this store came in between, or a newer reading is already there.
    func publish(_ revision: Int64, _ token: Token) {
        state.withLock { state in
            guard state.generation == token.generation, state.revision == nil || token.at >= state.readAt else { return }
            state.revision = revision
            state.readAt = token.at
        }
    }

    /// This store wrote: the next call reads the revision again.
    func forget() {
        state.withLock { state in
            state.generation &+= 1
            state.revision = nil
        }
    }
}
