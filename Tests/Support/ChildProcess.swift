import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// Child processes for tests, awaited without blocking a thread: a test never parks the
/// cooperative pool while other tests need it.
///
/// Through swift-subprocess, never Foundation's `Process`: on Linux its `run()` copies each
/// `/proc/self/fd` entry's whole 256-byte name field and crashes the test process (CI, sessions 12
/// and 13: SIGSEGV in `memmove` at fd 1357) once that directory's listing fills glibc's buffer,
/// which a test run with many stores and sockets open does.
public enum ChildProcess {
    /// Runs a program to its end and returns its exit status; its output is dropped.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let record = try await Subprocess.run(.path(FilePath(executable)), arguments: Arguments(arguments),
                                              output: .discarded, error: .currentStandardError)
        return record.terminationStatus.code
    }

    /// Runs a program to its end with `input` on its standard input; returns what it printed.
    public static func capture(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                               input: String = "") async throws -> Captured {
        let overrides = Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })
        let record = try await Subprocess.run(.path(FilePath(executable)), arguments: Arguments(arguments),
                                              environment: .inherit.updating(overrides), input: .string(input),
                                              output: .string(limit: outputLimit), error: .string(limit: outputLimit))
        return Captured(status: record.terminationStatus.code, stdout: record.standardOutput, stderr: record.standardError)
    }

    /// What a test keeps of a program's output at most (a whole usage export fits).
    static let outputLimit = 64 << 20

    public struct Captured: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs one SQL statement with the `sqlite3` shell, as an admin would by hand; returns its exit
    /// status. It waits up to 30 s for another connection's write lock (the server's spool drainer
    /// or usage log): without a busy timeout sqlite3 fails at once with "database is locked", which
    /// a busy machine, holding a writer's thread off the CPU mid-transaction, makes likely.
    @discardableResult
    public static func sqlite(_ path: String, _ sql: String) async throws -> Int32 {
        try await run("/usr/bin/sqlite3", ["-cmd", ".timeout 30000", path, sql])
    }

    /// Polls `condition` until it holds, sleeping between tries: for what another process does.
    public static func waitUntil(_ what: String, timeout: Duration = .seconds(60),
                                 _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw Timeout(what: what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The same with an asynchronous check (an HTTP request).
    public static func waitUntil(_ what: String, timeout: Duration = .seconds(60),
                                 _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw Timeout(what: what) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var what: String
        public var description: String { "gave up waiting for \(what)" }
    }
}

extension TerminationStatus {
    /// The exit status, or 128 + N when signal N ended the process (as a shell reports it).
    public var code: Int32 {
        switch self {
        case let .exited(code): code
        case let .signaled(signal): 128 + signal
        }
    }

    public var wasSignaled: Bool {
        if case .signaled = self { true } else { false }
    }
}

/// A process that runs beside the test (a server) until it exits or is signalled: started with
/// `start`, its end awaited with `exit()`.
public final class RunningProcess: Sendable {
    public let pid: pid_t
    private let ended: Task<TerminationStatus, any Error>
    private let finished: Finished

    private final class Finished: Sendable {
        let flag = Mutex(false)
    }

    private init(pid: pid_t, ended: Task<TerminationStatus, any Error>, finished: Finished) {
        self.pid = pid
        self.ended = ended
        self.finished = finished
    }

    /// Starts `executable`; its standard output and error are appended to the files given (or
    /// dropped). A log goes to a file, not a pipe: a pipe nobody drains stalls the writer at 64 KB.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                             output: String? = nil, error: String? = nil) async throws -> RunningProcess {
        let out = try open(output), err = try open(error)
        let overrides = Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })
        let (started, startedContinuation) = AsyncThrowingStream<pid_t, any Error>.makeStream()
        let finished = Finished()
        let ended = Task {
            defer { finished.flag.withLock { $0 = true } }
            do {
                let result = try await Subprocess.run(.path(FilePath(executable)), arguments: Arguments(arguments),
                                                      environment: .inherit.updating(overrides), input: .none,
                                                      output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                                                      error: .fileDescriptor(err, closeAfterSpawningProcess: true)) { execution in
                    startedContinuation.yield(execution.processIdentifier.value)
                    startedContinuation.finish()
                }
                return result.terminationStatus
            } catch {
                startedContinuation.finish(throwing: error)
                throw error
            }
        }
        for try await pid in started { return RunningProcess(pid: pid, ended: ended, finished: finished) }
        throw ChildProcess.Timeout(what: "\(executable) to start")
    }

    private static func open(_ path: String?) throws -> FileDescriptor {
        try FileDescriptor.open(FilePath(path ?? "/dev/null"), .writeOnly, options: [.append, .create, .closeOnExec],
                                permissions: [.ownerReadWrite])
    }

    /// Until the process has been seen to end.
    public var isRunning: Bool { !finished.flag.withLock { $0 } }

    /// Sends a signal, unless the process has ended (its pid may be another's by then).
    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, as an init system stops a service.
    public func terminate() { signal(SIGTERM) }

    /// Waits for the process to end.
    @discardableResult
    public func exit() async throws -> TerminationStatus { try await ended.value }
}

/// Another process holding a SQLite database's write lock until `release()`, the way an admin's
/// long transaction or a backup does: `sqlite3` reading its commands from a pipe.
public final class DatabaseLocker: Sendable {
    private let release: AsyncStream<Void>.Continuation
    private let ended: Task<Void, any Error>

    /// Returns once the lock is held.
    public init(path: String) async throws {
        let marker = path + ".locked-\(UUID().uuidString)"
        let (releases, release) = AsyncStream<Void>.makeStream()
        self.release = release
        ended = Task {
            _ = try await Subprocess.run(.path("/usr/bin/sqlite3"), arguments: [path], input: .inputWriter,
                                         output: .discarded, error: .discarded) { execution in
                let writer = execution.standardInputWriter
                _ = try await writer.write("BEGIN IMMEDIATE;\n.shell touch '\(marker)'\n")
                for await _ in releases { break }
                _ = try await writer.write("ROLLBACK;\n.quit\n")
                try await writer.finish()
            }
        }
        try await ChildProcess.waitUntil("the lock on \(path)") {
            FileManager.default.fileExists(atPath: marker)
        }
        try? FileManager.default.removeItem(atPath: marker)
    }

    /// Rolls back and ends the other process: the lock goes.
    public func release() async {
        release.yield()
        release.finish()
        _ = try? await ended.value
    }
}
