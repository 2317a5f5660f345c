import Admin
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Calls come first: the HTTP API's event loop and the thread that reads and formats exports run
/// at the lowest CPU priority (nice 19), so a billing system pulling a million-row export takes the
/// CPU the calls leave over, not the CPU they need. On Linux a thread's nice value is its own.
public final class LowPriorityThreads: Sendable {
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool
    public static let niceness: Int32 = 19

    public init() {
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        eventLoopGroup.next().execute { Self.lowerThisThread() }
    }

    /// Where an export's pages are read and formatted.
    public var pageRunner: Admin.PageRunner {
        { [pool] read in
            try await pool.runIfActive {
                Self.lowerThisThread()
                return try read()
            }
        }
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
        try await eventLoopGroup.shutdownGracefully()
    }

    /// Idempotent: a thread already at this niceness stays there.
    static func lowerThisThread() {
        #if os(Linux)
        // who 0 is the calling thread on Linux (NPTL keeps the nice value per thread).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
