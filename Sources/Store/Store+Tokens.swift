import Foundation
internal import GRDB
import StoreCore


extension AcctcodesStore {
    public func addToken(_ token: StoredToken, audit: AuditRecord? = nil) throws(StoreError) {
        try write(audit: audit) { db in
            try db.execute(sql: """
                INSERT INTO api_token (id, name, role, account_id, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [token.id, token.name, token.role, token.accountID, token.hash, token.createdAt])
        }
    }

    /// The live (not revoked) token with this hash.
    public func token(hash: String) async throws(StoreError) -> StoredToken? {
        try await asyncRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM api_token WHERE hash = ? AND revoked_at IS NULL"),
                             arguments: [hash]).map(Self.decodeToken)
        }
    }

    public func tokens() throws(StoreError) -> [StoredToken] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at, id").map(Self.decodeToken) }
    }

    /// Revokes at once: the next request with it is refused. Returns false if it was already revoked.
    @discardableResult
    public func revokeToken(id: String, audit: AuditRecord? = nil) throws(StoreError) -> Bool {
        try write(audit: audit) { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM api_token WHERE id = ?", arguments: [id]) != nil else {
                throw StoreError.notFound("token \(id.debugDescription)")
            }
            try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Date(), id])
            return db.changesCount > 0
        }
    }

    static func decodeToken(_ row: Row) -> StoredToken {
        var token = StoredToken(id: row["id"], name: row["name"], role: row["role"], accountID: row["account_id"], hash: row["hash"],
                                createdAt: row["created_at"])
        token.revokedAt = row["revoked_at"]
        return token
    }
}
