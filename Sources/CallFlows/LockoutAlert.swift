import AGI
import AccountCodes
import Foundation
import Logging
import Subprocess
import Synchronization

/// A subject just locked out: what the warning line says and what the alert command receives.
public struct LockoutEvent: Sendable, Equatable, Encodable {
    public var event = "lockout"
    public var account: String
    /// `user:1001` or `device:SIP/trunk`.
    public var subject: String
    /// Incorrect entries that led to the lock, and the window they were counted over (seconds).
    public var count: Int
    public var windowSeconds: Int
    public var lockedAt: Date
    public var until: Date
    /// Locks in a row (each doubles the time).
    public var strikes: Int

    public init(account: String, subject: LockSubject, lock: LockState, policy: LockoutPolicy) {
        self.account = account
        self.subject = subject.key
        count = lock.count
        windowSeconds = policy.window
        lockedAt = Date(timeIntervalSince1970: lock.lockedAt)
        until = Date(timeIntervalSince1970: lock.until)
        strikes = lock.strikes
    }
}

/// Sends lockout alerts: a warning in the server's log always, and the admin's command if one is
/// set (`serve --alert-command`), run through `/bin/sh -c` with the event as one JSON line on its
/// standard input, e.g. `curl -s -H 'Content-Type: application/json' --data-binary @- https://hooks.example/acctcodes`.
/// Commands run detached from the call, a few at a time: a slow hook never holds a call, and a
/// flood of lockouts cannot start a flood of processes (the warning line is always written).
public final class LockoutAlerts: Sendable {
    public let command: String?
    private let running = Mutex(0)
    static let maxRunning = 4

    public init(command: String?) { self.command = command }

    func send(_ event: LockoutEvent, logger: Logger) {
        logger.warning("locked out after \(event.count) incorrect entries within \(event.windowSeconds / 60) min", metadata: [
            "lockout.account": "\(LogSafe(event.account))", "lockout.subject": "\(LogSafe(event.subject))",
            "lockout.until": "\(ISO8601DateFormatter().string(from: event.until))", "lockout.strikes": "\(event.strikes)",
        ])
        guard let command else { return }
        let admitted = running.withLock { count -> Bool in
            guard count < Self.maxRunning else { return false }
            count += 1
            return true
        }
        guard admitted else {
            logger.warning("alert command skipped: \(Self.maxRunning) still running")
            return
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let payload = ((try? encoder.encode(event)) ?? Data()) + Data("\n".utf8)
        Task.detached { [self] in
            defer { running.withLock { $0 -= 1 } }
            let status = await Self.run(command, input: payload)
            if status != 0 { logger.warning("alert command exited with status \(status)") }
        }
    }

    /// Runs the command and returns its exit status (-1 if it could not start, 128 + N if signal N
    /// ended it). Through swift-subprocess, not Foundation's `Process`: `Process.run()` on Linux can
    /// crash the whole server when it has more than ~1,360 files open (a busy server's sockets).
    static func run(_ command: String, input: Data) async -> Int32 {
        do {
            let record = try await Subprocess.run(.path("/bin/sh"), arguments: ["-c", command], input: .data(input),
                                                  output: .discarded, error: .currentStandardError)
            switch record.terminationStatus {
            case let .exited(code): return code
            case let .signaled(signal): return 128 + signal
            }
        } catch {
            return -1
        }
    }
}
