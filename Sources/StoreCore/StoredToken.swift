import Foundation

/// An API token as stored: never the token itself, only its hash (see Admin's `TokenSecret`).
public struct StoredToken: Sendable, Equatable, Codable {
    /// Public, for listing and revoking; also the token's prefix.
    public var id: String
    public var name: String
    /// `operator`, `account-admin` or `billing` (Admin's `Role`).
    public var role: String
    /// The one account an account-admin or billing token acts for; nil for an operator.
    public var accountID: String?
    public var hash: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, name: String, role: String, accountID: String?, hash: String, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.role = role
        self.accountID = accountID
        self.hash = hash
        self.createdAt = createdAt
    }
}
