import AccountCodes
import Foundation
import MemoryStore
import PostgresNIO
import StoreCore

/// What `acctcodes migrate` needs: an install copied in as it is (its rules were checked when it
/// was made), into a database that holds nothing yet.
extension PostgresStore {
    /// Whether the database holds no account, token, audit record or usage entry.
    public func isEmpty() async throws(StoreError) -> Bool {
        try await rows("checking the database is empty", """
            SELECT (SELECT count(*) FROM account) + (SELECT count(*) FROM api_token) + (SELECT count(*) FROM audit)
                 + (SELECT count(*) FROM usage)
            """).decoded { try $0.decode(Int.self) }.first == 0
    }

    /// Settings, codes and audit records (oldest first) and tokens, in one transaction; every
    /// server reloads the accounts.
    public func copyIn(_ contents: MemoryStore.Contents, tokens: [StoredToken]) async throws(StoreError) {
        try await transaction("copying settings in", bound: .seconds(600)) { [logger] connection in
            let revision = try await Rows.nextRevision(connection, logger: logger)
            let changed = try await Rows.writeBack(connection, before: MemoryStore.Contents(), after: contents, revision: revision, logger: logger)
            for token in tokens {
                try await connection.query("""
                    INSERT INTO api_token (id, hash, created_at, doc)
                    VALUES (\(token.id), \(token.hash), \(token.createdAt.timeIntervalSince1970), \(try Rows.doc(token)))
                    """, logger: logger)
            }
            try await Rows.bump(connection, accounts: changed.union(contents.accounts.keys), revision: revision, logger: logger)
        }
    }
}
