import StoreCore

/// Console sign-ins in memory, shared by every `MemoryStore` over the same data (as servers
/// sharing a database share them).
extension MemoryStore: ConsoleSessionStore {
    public func startConsoleSession(_ session: StoredConsoleSession, forgettingSeenBefore seenBefore: Double,
                                    startedBefore: Double) async throws(StoreError) {
        try await change(audit: nil) { state in
            state.consoleSessions = state.consoleSessions.filter { $0.value.lastSeen >= seenBefore && $0.value.started >= startedBefore }
            state.consoleSessions[session.idHash] = session
        }
    }

    public func consoleSession(idHash: String, seenAt now: Double, activeSince: Double) async throws(StoreError) -> StoredConsoleSession? {
        try await change(audit: nil) { state in
            guard let session = state.consoleSessions[idHash], session.lastSeen >= activeSince else { return nil }
            state.consoleSessions[idHash]?.lastSeen = now
            return state.consoleSessions[idHash]
        }
    }

    public func endConsoleSession(idHash: String) async throws(StoreError) {
        try await change(audit: nil) { state in _ = state.consoleSessions.removeValue(forKey: idHash) }
    }

    public func signInFailed(address: String, at: Double, forgettingBefore: Double) async throws(StoreError) {
        try await change(audit: nil) { state in
            state.signInFailures.removeAll { $0.at < forgettingBefore }
            state.signInFailures.append((address, at))
        }
    }

    public func signInFailures(address: String, since: Double) async throws(StoreError) -> [Double] {
        try read { state in state.signInFailures.filter { $0.address == address && $0.at >= since }.map(\.at).sorted() }
    }

    public func signInSucceeded(address: String) async throws(StoreError) {
        try await change(audit: nil) { state in state.signInFailures.removeAll { $0.address == address } }
    }
}
