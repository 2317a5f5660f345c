import Dispatch
import Synchronization

/// The usage log's one way in. An operation is committed by the writer (with other calls'), or,
/// when the database cannot take it within its bound, synced to the spool; the spool is drained
/// back into the log, in order, by the same `UsageOperation.apply`. While anything waits in the
/// spool, new operations queue behind it there, so a call's hangup never lands before its start.
public final class UsageLog: Sendable {
    public let store: any UsageStore
    public let writer: UsageLogWriter
    public let spool: UsageSpool?
    private let drainQueue = DispatchQueue(label: "acctcodes.usage-spool")
    private let inFlight = Atomic<Int>(0)

    public init(store: any UsageStore, spool: UsageSpool?, groupCommitDelay: Duration = .microseconds(500)) {
        self.store = store
        self.writer = UsageLogWriter(store: store, groupCommitDelay: groupCommitDelay)
        self.spool = spool
    }

    /// Where an operation ended up.
    public enum Outcome: Sendable, Equatable {
        case committed(UsageOperation.Applied)
        /// In the spool, synced to disk: durable, and in the log once the database takes it.
        /// `error` is why the database did not take it (nil: others were already waiting there).
        case spooled(error: StoreError?)
        /// Neither the database nor the spool took it.
        case lost(database: StoreError?, spool: String?)

        /// The operation survives the process being killed.
        public var isDurable: Bool {
            if case .lost = self { return false }
            return true
        }
    }

    /// Records one operation durably before returning (see `Outcome`).
    public func record(_ operation: UsageOperation, deliver: UsageLogWriter.Deliver? = nil) async -> Outcome {
        if let spool, spool.hasEntries { return toSpool(operation, because: nil) }
        do {
            return .committed(try await writer.append(operation, deliver: deliver))
        } catch {
            return toSpool(operation, because: error)
        }
    }

    /// Records an operation without anyone waiting for it (an emergency call is answered first).
    /// `whenDone` hears where it ended up; `settle()` waits for every such operation.
    public func recordDetached(_ operation: UsageOperation, whenDone: @escaping @Sendable (Outcome) -> Void = { _ in }) {
        inFlight.add(1, ordering: .relaxed)
        Task {
            whenDone(await record(operation))
            inFlight.subtract(1, ordering: .relaxed)
        }
    }

    /// Operations recorded detached and not done yet.
    public var detachedInFlight: Int { inFlight.load(ordering: .relaxed) }

    private func toSpool(_ operation: UsageOperation, because error: StoreError?) -> Outcome {
        guard let spool else { return .lost(database: error, spool: nil) }
        do {
            try spool.append(operation)
            return .spooled(error: error)
        } catch let spoolError {
            return .lost(database: error, spool: "\(spoolError)")
        }
    }

    /// Moves what the spool holds into the log, off the caller's thread (SQLite blocks).
    @discardableResult
    public func drainSpool() async throws -> UsageSpool.Drained {
        guard let spool, spool.hasEntries else { return UsageSpool.Drained() }
        return try await withCheckedThrowingContinuation { continuation in
            drainQueue.async { [store] in continuation.resume(with: Result { try spool.drain(into: store) }) }
        }
    }

    /// What a drain pass did, for the server's log.
    public enum DrainEvent: Sendable {
        case drained(UsageSpool.Drained, path: String)
        case stillRefused(String, path: String)
    }

    /// Drains the spool whenever it holds operations, checking every `interval`, until cancelled:
    /// the spool empties by itself once the database takes writes again, with no call needed.
    public func runDrainer(every interval: Duration = .seconds(1), report: @escaping @Sendable (DrainEvent) -> Void) async {
        guard let spool else { return }
        var lastFailure: String?
        while !Task.isCancelled {
            if spool.hasEntries {
                do {
                    let drained = try await drainSpool()
                    if drained != UsageSpool.Drained() { report(.drained(drained, path: spool.path)) }
                    lastFailure = nil
                } catch {
                    // Said once per kind of failure, not every second of an outage.
                    if lastFailure != "\(error)" { report(.stillRefused("\(error)", path: spool.path)) }
                    lastFailure = "\(error)"
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
