import AccountCodes
import Dispatch
import Foundation
import Logging
import MemoryStore
import NIOCore
import PostgresNIO
import StoreCore
import Synchronization

/// The store on PostgreSQL, for several acctcodes servers on one database.
///
/// The call path reads its facts (accounts, groups, users, codes, locks) from `mirror`, this
/// server's copy, which `SettingsSync` keeps current from the database's notifications and a poll
/// of every account's revision: deciding a call costs no round trip for settings. What must be
/// exact across servers is the database's alone: the lockout's counting (one transaction under a
/// lock on the subject), a caller's lock when a code is checked, the usage log (a unique key per
/// request, so a replay applies nothing twice) and every admin change (a transaction under a lock
/// on the account, its audit record in it, its revision bumped so every server reloads the account).
///
/// Every query has a deadline: while the database is down postgres-nio's pool would hold a request
/// for about a minute, and a call cannot wait that long.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let deadline: Duration
    /// The call path's facts, as of the revisions in `SettingsSync`.
    let mirror = MemoryStore()
    let sync: SettingsSync
    let outage = OutageLog()
    /// The call path's lock reads, batched.
    let lockReads = LockReads()
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Connects, migrates the schema (once across servers starting together), loads the mirror
    /// and starts following other servers' changes. `deadline` bounds every query. Without
    /// `callPath` (an admin command) the mirror stays empty: the admin port reads the database.
    public static func open(_ location: PostgresLocation, deadline: Duration = .seconds(2), poll: Duration = .seconds(1),
                            callPath: Bool = true,
                            logger: Logger = Logger(label: "acctcodes.postgres")) async throws(StoreError) -> PostgresStore {
        try await open(location, deadline: deadline, poll: poll, callPath: callPath, schemaVersion: nil, logger: logger)
    }

    /// `schemaVersion` stops the migrations there: upgrade tests start from an earlier schema.
    static func open(_ location: PostgresLocation, deadline: Duration, poll: Duration, callPath: Bool, schemaVersion: Int?,
                     logger: Logger) async throws(StoreError) -> PostgresStore {
        let store = PostgresStore(location: location, deadline: deadline, poll: poll, logger: logger)
        store.start { await store.client.run() }
        // Queries wait for the pool either way; this spares a warning that run() had not begun.
        try? await Task.sleep(for: .milliseconds(20))
        do {
            try await store.timed("migrating the schema", bound: .seconds(30)) {
                try await Schema.migrate(store.client, through: schemaVersion, logger: logger)
            }
            if callPath { try await store.sync.start(store) }
        } catch {
            await store.close()
            throw Self.opening(location, error)
        }
        return store
    }

    private init(location: PostgresLocation, deadline: Duration, poll: Duration, logger: Logger) {
        self.location = location
        self.deadline = deadline
        self.logger = logger
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: location.clientTLS)
        configuration.options.connectTimeout = deadline
        configuration.options.maximumConnections = 20
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        sync = SettingsSync(poll: poll)
    }

    /// Stops following changes and closes every connection.
    public func close() async {
        let running = tasks.withLock { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        // Bounded: a shutdown must not hang on a connection that does not close.
        _ = await Deadline.race(within: .seconds(5)) { for task in running { await task.value } }
    }

    func start(_ body: @escaping @Sendable () async -> Void) {
        tasks.withLock { $0.append(Task { await body() }) }
    }

    /// Short work of its own (a batch of lock reads), not kept for `close`: it ends by itself.
    func runDetached(_ body: @escaping @Sendable () async -> Void) {
        Task { await body() }
    }

    // MARK: Deadlines and errors

    /// Runs `body` with the store's deadline (or `bound`): an outage answers in bounded time. The
    /// work is cancelled at the deadline but not awaited: a query that ignores cancellation must
    /// not hold the caller (a task group would wait for it).
    func timed<T: Sendable>(_ what: String, bound: Duration? = nil,
                            _ body: @escaping @Sendable () async throws -> T) async throws(StoreError) -> T {
        let limit = bound ?? deadline
        guard let result = await Deadline.race(within: limit, body) else {
            throw .unavailable("PostgreSQL at \(location) did not answer within \(limit) (\(what))")
        }
        do { return try result.get() } catch { throw Self.wrap(error) }
    }

    /// A transaction with the deadline.
    func transaction<T: Sendable>(_ what: String, bound: Duration? = nil,
                                  _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        try await timed(what, bound: bound) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// For the ports' synchronous writes (the usage log's writer and spool call them on queues of
    /// their own, never on an event loop or the cooperative pool): waits for the async work.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws(StoreError) -> T) throws(StoreError) -> T {
        let result = Mutex<Result<T, StoreError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, StoreError>
            do throws(StoreError) { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    static func wrap(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as RuleViolation: return .rule(error)
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return wrap(inner) }
            return .database("a transaction failed")
        case let error as PSQLError:
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?"
                // Another transaction held what this one needed, or a lock wait ended it.
                if state == "40001" || state == "40P01" || state == "55P03" { return .locked }
                return .database("\(info[.message] ?? "error") (SQLSTATE \(state))")
            }
            // No answer from the server: the connection failed or was cut.
            return .unavailable("PostgreSQL connection: \(error.code)")
        case is CancellationError: return .database("cancelled")
        default: return .database(String(describing: error))
        }
    }

    private static func opening(_ location: PostgresLocation, _ error: StoreError) -> StoreError {
        if case .cannotOpen = error { return error }
        return .cannotOpen(path: location.description, reason: "\(error)")
    }
}

/// The first of a piece of work's end and a deadline, without waiting for the work after the
/// deadline (it is cancelled then). One task and one event-loop timer: this runs for every query
/// on the call path, where a task group or a sleeping task per query cost measurable CPU.
enum Deadline {
    static func race<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let waiter = Mutex<CheckedContinuation<Result<T, any Error>?, Never>?>(nil)
        let work = Mutex<Task<Void, Never>?>(nil)
        let finish: @Sendable (Result<T, any Error>?) -> Void = { outcome in
            waiter.withLock { pending in
                pending?.resume(returning: outcome)
                pending = nil
            }
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter.withLock { $0 = continuation }
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(limit.nanoseconds))) {
                    finish(nil)
                    work.withLock { $0?.cancel() }
                }
                work.withLock {
                    $0 = Task {
                        let result: Result<T, any Error>
                        do { result = .success(try await body()) } catch { result = .failure(error) }
                        timer.cancel()
                        finish(result)
                    }
                }
            }
        } onCancel: {
            work.withLock { $0?.cancel() }
        }
    }
}

extension Duration {
    var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}

/// Says once a minute at most that the call path is running on the mirror: an outage of the
/// database would otherwise log a line per call.
final class OutageLog: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    func note(_ error: StoreError, logger: Logger) {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            guard last.map({ now - $0 > .seconds(60) }) ?? true else { return false }
            last = now
            return true
        }
        if due { logger.warning("PostgreSQL cannot answer; checking codes and locks against this server's copy: \(error)") }
    }
}

extension AsyncSequence {
    /// Every element, read to the end.
    func collect() async throws -> [Element] {
        var out: [Element] = []
        for try await element in self { out.append(element) }
        return out
    }
}

extension PostgresStore {
    /// Creates an empty database on the server `location` names (connecting to its database), as
    /// `createdb` does: for tests and for moving an install. `name`: letters, digits and `_`.
    public static func createDatabase(_ name: String, on location: PostgresLocation,
                                      logger: Logger = Logger(label: "acctcodes.postgres")) async throws(StoreError) {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw .database("a database name is lowercase letters, digits and _: \(name.debugDescription)")
        }
        do {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        } catch {
            throw wrap(error)
        }
    }
}
