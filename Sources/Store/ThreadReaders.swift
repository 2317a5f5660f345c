import Foundation
import GRDB
import Synchronization

/// A read-only connection for each thread that makes per-call reads (the server's event loops):
/// no reader pool to check out under a lock and a semaphore, and no contention between loops.
final class ThreadReaders: Sendable {
    private let path: String
    private let busyTimeout: Double
    private let readers = Mutex<[UInt: DatabaseQueue]>([:])
    /// Threads come and go (tests, dispatch workers); past this many, start over.
    private static let maxReaders = 32

    init(path: String, busyTimeout: Double) {
        self.path = path
        self.busyTimeout = busyTimeout
    }

    func read<T>(_ body: (GRDB.Database) throws -> T) throws -> T {
        let thread = UInt(pthread_self())
        let reader: DatabaseQueue
        if let existing = readers.withLock({ $0[thread] }) {
            reader = existing
        } else {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            reader = try DatabaseQueue(path: path, configuration: configuration)
            readers.withLock { readers in
                if readers.count >= Self.maxReaders { readers = [:] }
                readers[thread] = reader
            }
        }
        return try reader.inDatabase(body)
    }
}
