import NIOCore

/// Keeps a session's task on its channel's event loop: after awaiting anything (the usage-log
/// writer, a store call that resumed from another thread), it comes back to the loop that owns
/// its socket instead of whichever loop Swift's global executor picks, so a command is written
/// without a hop between threads.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
