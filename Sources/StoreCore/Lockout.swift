import AccountCodes
import Foundation

/// A subject's lock as `acctcodes lockout list` shows it.
public struct Lockout: Sendable, Equatable, Encodable {
    public var accountID: String
    public var subject: String
    public var state: LockState

    public init(accountID: String, subject: String, state: LockState) {
        self.accountID = accountID
        self.subject = subject
        self.state = state
    }

    enum CodingKeys: String, CodingKey { case account, subject, lockedAt, until, strikes, count }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accountID, forKey: .account)
        try c.encode(subject, forKey: .subject)
        try c.encode(Date(timeIntervalSince1970: state.lockedAt), forKey: .lockedAt)
        try c.encode(Date(timeIntervalSince1970: state.until), forKey: .until)
        try c.encode(state.strikes, forKey: .strikes)
        try c.encode(state.count, forKey: .count)
    }
}
