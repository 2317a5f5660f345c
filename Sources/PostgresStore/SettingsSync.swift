import Foundation
import Logging
import MemoryStore
import PostgresNIO
import StoreCore
import Synchronization

/// Keeps a server's mirror of the settings current with every other server's changes.
///
/// Every change bumps its account's revision and notifies, in its own transaction. This server
/// listens on a connection of its own (notifications arrive at commit); it listens before it
/// loads, so nothing committed in between is missed. Notifications are lost while nobody listens
/// (the database restarting, the connection cut), so a poll of every account's revision runs
/// too: a change is seen within the poll's period at worst. An account is reloaded in one
/// snapshot (its codes by what changed since the server's revision of it, the rest whole) and
/// kept only if no newer reload of it landed first.
final class SettingsSync: Sendable {
    static let channel = "acctcodes_settings"

    private struct State {
        var revisions: [String: Int64] = [:]
        var polls = 0
        var following = false
        /// The last poll failed: the database does not answer (the server's readiness says so).
        var failing = false
    }

    let poll: Duration
    private let state = Mutex(State())

    init(poll: Duration) {
        self.poll = poll
    }

    /// Listens, loads everything, then follows changes until the store closes.
    /// Whether this store keeps a mirror (a server, `explain`), not an admin command's bare store.
    var isFollowing: Bool { state.withLock { $0.following } }

    /// Whether the last poll read the database: false from a failed poll to the next good one.
    var answers: Bool { state.withLock { !$0.failing } }

    func start(_ store: PostgresStore) async throws(StoreError) {
        state.withLock { $0.following = true }
        let listening = AsyncStream<Void>.makeStream()
        store.start { await self.listen(store, ready: listening.continuation) }
        // The first listen is awaited (briefly): changes made while loading are then not missed.
        var iterator = listening.stream.makeAsyncIterator()
        _ = await iterator.next()
        try await refresh(store, all: true)
        store.start { await self.pollLoop(store) }
    }

    /// The accounts whose revision differs from the mirror's, reloaded (all of them with `all`).
    func refresh(_ store: PostgresStore, all: Bool = false) async throws(StoreError) {
        // Everything: `reload` reads the revisions with the rows.
        if all { return try await reload(store, accounts: nil) }
        let stored = try await store.timed("reading revisions") { [client = store.client, logger = store.logger] in
            var revisions: [String: Int64] = [:]
            for try await (account, revision) in try await client.query("SELECT account_id, revision FROM settings_revision", logger: logger)
                .decode((String, Int64).self) {
                revisions[account] = revision
            }
            return revisions
        }
        let seen = state.withLock { $0.revisions }
        let stale = stored.filter { seen[$0.key] != $0.value }.map(\.key)
        if !stale.isEmpty { try await reload(store, accounts: stale) }
    }

    /// Reloads accounts (nil: all) in one snapshot, with the revisions they were read at. An
    /// account this server has already loaded re-reads only the codes written or removed since
    /// (see `Rows.nextRevision`); everything else of the account is small and read whole.
    func reload(_ store: PostgresStore, accounts: [String]?) async throws(StoreError) {
        let known = state.withLock { $0.revisions }
        let (contents, revisions, removed, partial) = try await store.transaction("reloading settings", bound: .seconds(120)) {
            [logger = store.logger] connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            var revisions: [String: Int64] = [:]
            let all = accounts == nil
            let ids = accounts ?? []
            for try await (account, revision) in try await connection.query(
                "SELECT account_id, revision FROM settings_revision WHERE \(all) OR account_id = ANY(\(ids))", logger: logger)
                .decode((String, Int64).self) {
                revisions[account] = revision
            }
            guard let accounts else {
                return (try await Rows.load(connection, accounts: nil, codes: .all, logger: logger), revisions, [Rows.Key](), Set<String>())
            }
            var contents = try await Rows.load(connection, accounts: accounts, codes: nil, logger: logger)
            var removed: [Rows.Key] = []
            var partial = Set<String>()
            for account in accounts {
                let codes: Rows.Codes = known[account].map { .since($0) } ?? .all
                if case .since(let revision) = codes {
                    partial.insert(account)
                    removed += try await Rows.removedCodes(connection, account: account, since: revision, logger: logger)
                }
                try await Rows.loadCodes(connection, accounts: [account], codes, into: &contents.codes, logger: logger)
            }
            return (contents, revisions, removed, partial)
        }
        state.withLock { state in
            // A reload that read older rows than one already kept is dropped for those accounts;
            // so is a partial one that started from a revision the mirror no longer has.
            let fresh = Set((accounts ?? Array(revisions.keys) + Array(contents.accounts.keys)).filter { account in
                (revisions[account] ?? 0) >= (state.revisions[account] ?? 0)
                    && (!partial.contains(account) || state.revisions[account] == known[account])
            })
            var kept = MemoryStore.Contents()
            kept.accounts = contents.accounts.filter { fresh.contains($0.key) }
            kept.groups = contents.groups.filter { fresh.contains($0.key.account) }
            kept.users = contents.users.filter { fresh.contains($0.key.account) }
            kept.codes = contents.codes.filter { fresh.contains($0.key.account) }
            kept.locks = contents.locks.filter { fresh.contains($0.key.account) }
            store.mirror.replace(accounts: fresh, with: kept, keepingCodesOf: partial.intersection(fresh),
                                 removingCodes: removed.filter { fresh.contains($0.account) })
            for account in fresh { state.revisions[account] = revisions[account] ?? state.revisions[account] }
        }
    }

    /// A notification's payload is `REVISION ACCOUNT`: the account, unless this server already
    /// has that revision of it (it made the change and reloaded at once).
    private func stale(_ payload: String) -> String? {
        guard let space = payload.firstIndex(of: " "), let revision = Int64(payload[..<space]) else { return payload }
        let account = String(payload[payload.index(after: space)...])
        return state.withLock { ($0.revisions[account] ?? -1) >= revision } ? nil : account
    }

    /// Follows notifications; after a lost connection, listens again and reloads what changed.
    private func listen(_ store: PostgresStore, ready: AsyncStream<Void>.Continuation) async {
        var attempt = 0
        var first = true
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: try store.location.connectionConfiguration(), id: 1,
                                                                      logger: store.logger)
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: Self.channel) { notifications in
                    // Back after a lost connection: read everything again (a day's outage outlives the tombstones).
                    if first { ready.yield(); ready.finish(); first = false } else { try? await refresh(store, all: true) }
                    attempt = 0
                    // The sequence does not end when the task is cancelled; closing the connection ends it.
                    try await withTaskCancellationHandler {
                        for try await notification in notifications {
                            guard let account = stale(notification.payload) else { continue }
                            do { try await reload(store, accounts: [account]) } catch {
                                store.logger.warning("could not reload account settings after a change: \(error)")
                            }
                        }
                    } onCancel: {
                        Task { try? await connection.close() }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                if first { ready.yield(); ready.finish(); first = false }
                if attempt == 0 { store.logger.warning("lost PostgreSQL notifications (\(error)); polling every \(poll) until they are back") }
            }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(5_000, 100 * (1 << min(attempt, 6)))))
        }
        if first { ready.yield(); ready.finish() }
    }

    /// The backstop: every `poll`, reload what changed; now and then, forget incorrect entries
    /// older than any lockout window counts.
    private func pollLoop(_ store: PostgresStore) async {
        var failing = false
        while !Task.isCancelled {
            try? await Task.sleep(for: poll)
            if Task.isCancelled { break }
            do {
                try await refresh(store, all: failing)
                if failing { store.logger.info("PostgreSQL answers again; settings are current") }
                failing = false
                state.withLock { $0.failing = false }
                let sweep = state.withLock { state in
                    state.polls += 1
                    return state.polls % 600 == 0
                }
                if sweep { try await store.forgetOldEntries() }
            } catch {
                if !failing { store.logger.warning("cannot read settings from PostgreSQL; calls use the settings last read: \(error)") }
                failing = true
                state.withLock { $0.failing = true }
            }
        }
    }
}
