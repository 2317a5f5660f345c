/// Whom incorrect entries count against, across calls.
public enum LockSubject: Sendable, Hashable, CustomStringConvertible {
    /// A user of the account, by extension.
    case user(String)
    /// The device a call came from (`SIP/trunk` of `SIP/trunk-0000002a`): the subject for callers
    /// who are not users, whose caller ID proves nothing and changes at will.
    case device(String)

    /// As the store keeps it: `user:1001`, `device:SIP/trunk`.
    public var key: String {
        switch self {
        case .user(let ext): "user:\(ext)"
        case .device(let device): "device:\(device)"
        }
    }

    public init?(key: String) {
        if key.hasPrefix("user:") { self = .user(String(key.dropFirst(5))) } else if key.hasPrefix("device:") {
            self = .device(String(key.dropFirst(7)))
        } else { return nil }
    }

    public var description: String { key }

    /// A channel's device: its name without Asterisk's per-call suffix (`-0000002a`).
    public static func device(ofChannel channel: String) -> String {
        guard let dash = channel.lastIndex(of: "-") else { return channel }
        let suffix = channel[channel.index(after: dash)...]
        guard !suffix.isEmpty, suffix.allSatisfy(\.isHexDigit) else { return channel }
        return String(channel[..<dash])
    }
}

/// A subject's lock as stored: when it was locked, until when, and how many locks in a row.
/// Times are seconds since 1970 (the caller passes `now`; no clock here).
public struct LockState: Sendable, Equatable {
    public var lockedAt: Double
    public var until: Double
    /// Locks in a row: each one within a day of the previous one's end doubles the duration.
    public var strikes: Int
    /// Incorrect entries that led to the lock.
    public var count: Int

    public init(lockedAt: Double, until: Double, strikes: Int, count: Int) {
        self.lockedAt = lockedAt
        self.until = until
        self.strikes = strikes
        self.count = count
    }

    public func isActive(at now: Double) -> Bool { now < until }
}

/// The lockout rules: after `maxIncorrect` incorrect entries within `window` (counted across
/// calls, and only since the subject's last lock), code-gated calls are refused for a while.
public struct LockoutPolicy: Sendable, Equatable {
    /// Incorrect entries that lock; 0 turns the lockout off.
    public var maxIncorrect: Int
    /// Seconds over which incorrect entries are counted.
    public var window: Int
    /// Seconds of the first lock; each further lock in a row doubles it, up to `longestLock`.
    public var firstLock: Int

    public static let longestLock = 24 * 3600
    /// A lock that ends more than this long before the next one starts a new series.
    public static let strikeMemory = 24 * 3600

    public init(maxIncorrect: Int, window: Int, firstLock: Int) {
        self.maxIncorrect = maxIncorrect
        self.window = window
        self.firstLock = firstLock
    }

    public init(settings: Settings) {
        self.init(maxIncorrect: settings.lockoutAfter, window: settings.lockoutWindow * 60, firstLock: settings.lockoutMinutes * 60)
    }

    public var isOn: Bool { maxIncorrect > 0 }

    /// Where counting starts: the window's start, or the last lock if later (a person let back
    /// in after a lock starts again from zero).
    public func countingSince(now: Double, previous: LockState?) -> Double {
        max(now - Double(window), previous?.lockedAt ?? -.infinity)
    }

    /// After an incorrect entry: the new lock, if `incorrect` (entries counted since
    /// `countingSince`, this one included) reaches the limit; nil otherwise.
    public func lock(afterIncorrect incorrect: Int, now: Double, previous: LockState?) -> LockState? {
        guard isOn, incorrect >= maxIncorrect else { return nil }
        if let previous, previous.isActive(at: now) { return nil }
        let strikes = previous.map { now - $0.until <= Double(Self.strikeMemory) ? $0.strikes + 1 : 1 } ?? 1
        let seconds = min(Double(firstLock) * Double(1 << min(strikes - 1, 16)), Double(Self.longestLock))
        return LockState(lockedAt: now, until: now + seconds, strikes: strikes, count: incorrect)
    }
}
