internal import GRDB
import StoreCore

/// Console sign-ins in the database, so that servers sharing it (or a restart) keep them.
extension AcctcodesStore: ConsoleSessionStore {
    public func startConsoleSession(_ session: StoredConsoleSession, forgettingSeenBefore seenBefore: Double,
                                    startedBefore: Double) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in
            try self.write { db in
                try db.execute(sql: "DELETE FROM console_session WHERE last_seen < ? OR started < ?", arguments: [seenBefore, startedBefore])
                try db.execute(sql: """
                    INSERT INTO console_session (id_hash, token_hash, csrf, started, last_seen) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [session.idHash, session.tokenHash, session.csrf, session.started, session.lastSeen])
            }
        }
    }

    public func consoleSession(idHash: String, seenAt now: Double, activeSince: Double) async throws(StoreError) -> StoredConsoleSession? {
        try await offloaded { () throws(StoreError) in
            try self.write { db in
                try db.execute(sql: "UPDATE console_session SET last_seen = ? WHERE id_hash = ? AND last_seen >= ?",
                               arguments: [now, idHash, activeSince])
                guard db.changesCount > 0 else { return nil }
                return try Row.fetchOne(db, sql: "SELECT * FROM console_session WHERE id_hash = ?", arguments: [idHash]).map {
                    StoredConsoleSession(idHash: $0["id_hash"], tokenHash: $0["token_hash"], csrf: $0["csrf"], started: $0["started"],
                                         lastSeen: $0["last_seen"])
                }
            }
        }
    }

    public func endConsoleSession(idHash: String) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in
            try self.write { db in try db.execute(sql: "DELETE FROM console_session WHERE id_hash = ?", arguments: [idHash]) }
        }
    }

    public func signInFailed(address: String, at: Double, forgettingBefore: Double) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in
            try self.write { db in
                try db.execute(sql: "DELETE FROM sign_in_failure WHERE at < ?", arguments: [forgettingBefore])
                try db.execute(sql: "INSERT INTO sign_in_failure (address, at) VALUES (?, ?)", arguments: [address, at])
            }
        }
    }

    public func signInFailures(address: String, since: Double) async throws(StoreError) -> [Double] {
        try await offloaded { () throws(StoreError) in
            try self.read { db in
                try Double.fetchAll(db, sql: "SELECT at FROM sign_in_failure WHERE address = ? AND at >= ? ORDER BY at",
                                    arguments: [address, since])
            }
        }
    }

    public func signInSucceeded(address: String) async throws(StoreError) {
        try await offloaded { () throws(StoreError) in
            try self.write { db in try db.execute(sql: "DELETE FROM sign_in_failure WHERE address = ?", arguments: [address]) }
        }
    }
}
