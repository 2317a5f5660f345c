import Foundation
internal import GRDB
import StoreCore
import Synchronization

/// Read-only connections for each thread that makes per-call reads (the server's event loops):
/// no reader pool to check out under a lock and a semaphore, and no contention between loops.
/// Each thread has a `CallReader` for the two reads every call makes, and a GRDB connection,
/// opened on first need, for the rarer ones (a settings cache miss).
final class ThreadReaders: Sendable {
    private final class Readers: @unchecked Sendable {
        // Touched only by the thread these belong to.
        let call: CallReader
        var grdb: DatabaseQueue?
        init(call: CallReader) { self.call = call }
    }

    private let path: String
    private let busyTimeout: Double
    private let readers = Mutex<[UInt: Readers]>([:])
    /// Threads come and go (tests, dispatch workers); past this many, start over.
    private static let maxReaders = 32

    init(path: String, busyTimeout: Double) {
        self.path = path
        self.busyTimeout = busyTimeout
    }

    private func current() throws -> Readers {
        let thread = UInt(pthread_self())
        if let existing = readers.withLock({ $0[thread] }) { return existing }
        let created = Readers(call: try CallReader(path: path, busyTimeout: busyTimeout))
        readers.withLock { readers in
            if readers.count >= Self.maxReaders { readers = [:] }
            readers[thread] = created
        }
        return created
    }

    /// The per-call reads, on this thread's `CallReader`.
    func call<T>(_ body: (CallReader) throws -> T) throws -> T {
        try body(current().call)
    }

    /// Any other read, on this thread's GRDB connection, with no transaction around it.
    func read<T>(_ body: (GRDB.Database) throws -> T) throws -> T {
        let readers = try current()
        if readers.grdb == nil {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            readers.grdb = try DatabaseQueue(path: path, configuration: configuration)
        }
        return try readers.grdb!.inDatabase(body)
    }
}
