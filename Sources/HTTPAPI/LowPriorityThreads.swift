import Admin
import NIOCore
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Calls come first: the HTTP API's event loop and the thread that reads and formats exports run
/// at the lowest CPU priority (nice 19 and SCHED_IDLE), so a billing system pulling a million-row
/// export takes the CPU the calls leave over, not the CPU they need. On Linux a thread's nice value
/// is its own. Priority alone is not enough: an export that fills every idle moment still evicts
/// the calls' data from the CPU's caches and makes each call's thread wait for a switch, so while
/// calls are in progress an export also pauses after each page (see `pageRunner`).
public final class LowPriorityThreads: Sendable {
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool
    private let callsInProgress: @Sendable () -> Bool
    /// Runs Swift tasks on the low-priority event loop (see `running(_:)`).
    public let taskExecutor: any TaskExecutor
    public static let niceness: Int32 = 19
    /// While calls are in progress, an export rests this many times as long as its last page took:
    /// a quarter of one core at most (about 30,000 rows a second on the benchmark machine).
    public static let pauseFactor = 3

    /// `callsInProgress` tells whether the FastAGI server has sessions running now.
    public init(callsInProgress: @escaping @Sendable () -> Bool = { false }) {
        self.callsInProgress = callsInProgress
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        taskExecutor = EventLoopTaskExecutor(loop: eventLoopGroup.next())
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        eventLoopGroup.next().execute { Self.lowerThisThread() }
    }

    /// Where an export's pages are read and formatted; with calls in progress, each page is
    /// followed by a pause (`pauseFactor`). On a quiet server an export runs at full speed.
    public var pageRunner: Admin.PageRunner {
        { [pool, callsInProgress] read in
            let started = ContinuousClock.now
            let page = try await pool.runIfActive {
                Self.lowerThisThread()
                return try read()
            }
            if callsInProgress() { try await Task.sleep(for: (ContinuousClock.now - started) * Self.pauseFactor) }
            return page
        }
    }

    /// Runs a service with every task it starts on the low-priority loop. Hummingbird handles each
    /// connection in a child task of the server's task group, and child tasks inherit the executor
    /// preference: routing, JSON, CSV formatting and `/metrics` then run at nice 19 too, not only the
    /// socket's reads and writes (otherwise they run on NIO's shared loops, the calls' threads).
    public func running(_ service: some Service) -> some Service {
        LowPriorityService(service: service, executor: taskExecutor)
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
        try await eventLoopGroup.shutdownGracefully()
    }

    /// Idempotent: a thread already lowered stays so.
    static func lowerThisThread() {
        #if os(Linux)
        // who 0 is the calling thread on Linux (NPTL keeps the nice value per thread).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        // SCHED_IDLE as well: the scheduler then lets a call's thread that wakes up take the CPU
        // from this one at once, where a nice-19 thread may first finish its slice, and every
        // command a call waits on would wait that long. Allowed without privileges.
        var parameters = sched_param(sched_priority: 0)
        _ = sched_setscheduler(0, schedIdle, &parameters)
        #endif
    }

    /// Linux's SCHED_IDLE (`<sched.h>` defines it only under _GNU_SOURCE, which Swift does not see).
    static let schedIdle: Int32 = 5
}

/// A task executor over one event loop: each job runs as a task on that loop's thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

struct LowPriorityService<Wrapped: Service>: Service {
    let service: Wrapped
    let executor: any TaskExecutor

    func run() async throws {
        try await withTaskExecutorPreference(executor) { try await service.run() }
    }
}
