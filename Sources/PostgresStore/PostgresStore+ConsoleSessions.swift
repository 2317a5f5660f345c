import PostgresNIO
import StoreCore

/// Console sign-ins in the database: every server sees a session any of them started, and
/// counts failed sign-ins together.
extension PostgresStore: ConsoleSessionStore {
    public func startConsoleSession(_ session: StoredConsoleSession, forgettingSeenBefore seenBefore: Double,
                                    startedBefore: Double) async throws(StoreError) {
        _ = try await transaction("starting a console session") { [logger] connection in
            try await connection.query("DELETE FROM console_session WHERE last_seen < \(seenBefore) OR started < \(startedBefore)",
                                       logger: logger)
            try await connection.query("""
                INSERT INTO console_session (id_hash, token_hash, csrf, started, last_seen)
                VALUES (\(session.idHash), \(session.tokenHash), \(session.csrf), \(session.started), \(session.lastSeen))
                """, logger: logger)
        }
    }

    public func consoleSession(idHash: String, seenAt now: Double, activeSince: Double) async throws(StoreError) -> StoredConsoleSession? {
        try await rows("reading a console session", """
            UPDATE console_session SET last_seen = \(now) WHERE id_hash = \(idHash) AND last_seen >= \(activeSince)
            RETURNING id_hash, token_hash, csrf, started, last_seen
            """).decoded { row in
            let (id, token, csrf, started, seen) = try row.decode((String, String, String, Double, Double).self)
            return StoredConsoleSession(idHash: id, tokenHash: token, csrf: csrf, started: started, lastSeen: seen)
        }.first
    }

    public func endConsoleSession(idHash: String) async throws(StoreError) {
        _ = try await rows("ending a console session", "DELETE FROM console_session WHERE id_hash = \(idHash)")
    }

    public func signInFailed(address: String, at: Double, forgettingBefore: Double) async throws(StoreError) {
        _ = try await transaction("counting a failed sign-in") { [logger] connection in
            try await connection.query("DELETE FROM sign_in_failure WHERE at < \(forgettingBefore)", logger: logger)
            try await connection.query("INSERT INTO sign_in_failure (address, at) VALUES (\(address), \(at))", logger: logger)
        }
    }

    public func signInFailures(address: String, since: Double) async throws(StoreError) -> [Double] {
        try await rows("reading failed sign-ins", "SELECT at FROM sign_in_failure WHERE address = \(address) AND at >= \(since) ORDER BY at")
            .decoded { try $0.decode(Double.self) }
    }

    public func signInSucceeded(address: String) async throws(StoreError) {
        _ = try await rows("forgetting failed sign-ins", "DELETE FROM sign_in_failure WHERE address = \(address)")
    }
}
