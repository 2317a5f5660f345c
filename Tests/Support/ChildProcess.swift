import Foundation

/// Child processes for tests, awaited without blocking a thread: a test never parks the
/// cooperative pool in `waitUntilExit` while other tests need it.
public enum ChildProcess {
    /// Runs a program to its end and returns its exit status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        return try await exit(of: process, starting: true)
    }

    /// Runs one SQL statement with the `sqlite3` shell, as an admin would by hand; returns its exit
    /// status. It waits up to 30 s for another connection's write lock (the server's spool drainer
    /// or usage log): without a busy timeout sqlite3 fails at once with "database is locked", which
    /// a busy machine, holding a writer's thread off the CPU mid-transaction, makes likely.
    @discardableResult
    public static func sqlite(_ path: String, _ sql: String) async throws -> Int32 {
        try await run("/usr/bin/sqlite3", ["-cmd", ".timeout 30000", path, sql])
    }

    /// Starts a process, one at a time in the whole test run: Foundation's `Process.run()` on
    /// Linux crashed in a `memmove` (CI, session 12) while other tests' processes were starting.
    public static func launch(_ process: Process) throws {
        try launching.withLock { try process.run() }
    }

    private static let launching = NSLock()

    /// Waits for a process (started here if `starting`) to exit.
    public static func exit(of process: Process, starting: Bool = false) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            if starting {
                do { try launch(process) } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            } else if !process.isRunning {
                process.terminationHandler = nil
                continuation.resume(returning: process.terminationStatus)
            }
        }
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

/// Another process holding a SQLite database's write lock until `release()`, the way an admin's
/// long transaction or a backup does: `sqlite3` reading its commands from a pipe.
public final class DatabaseLocker: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()

    /// Returns once the lock is held.
    public init(path: String) async throws {
        let marker = path + ".locked-\(UUID().uuidString)"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ChildProcess.launch(process)
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\n.shell touch '\(marker)'\n".utf8))
        try await ChildProcess.waitUntil("the lock on \(path)") { FileManager.default.fileExists(atPath: marker) }
        try? FileManager.default.removeItem(atPath: marker)
    }

    /// Rolls back and ends the other process: the lock goes.
    public func release() async {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        _ = try? await ChildProcess.exit(of: process)
    }
}
