import AccountCodes
import Foundation
import Logging
import MemoryStore
import PostgresNIO
import StoreCore

/// Settings rows to and from the values the rules read: loading accounts into `MemoryStore.Contents`
/// (the mirror's reloads and an admin change's workspace), and writing a change's differences back.
enum Rows {
    typealias Key = MemoryStore.Key

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func doc(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    static func value<T: Decodable>(_ type: T.Type, _ doc: String) throws -> T { try decoder.decode(type, from: Data(doc.utf8)) }

    /// Which codes an account's load brings.
    enum Codes {
        case all
        /// These, and one other if the account has one: enough for "has codes" before and after a change.
        case named(Set<String>)
        /// Those written after `revision` (a mirror's reload of an account it has).
        case since(Int64)
    }

    /// The rows of `accounts` (nil: every account); their codes as `codes` says, none when nil.
    static func load(_ connection: PostgresConnection, accounts: [String]?, codes: Codes?, logger: Logger) async throws
        -> MemoryStore.Contents {
        var contents = MemoryStore.Contents()
        let all = accounts == nil
        let ids = accounts ?? []
        for try await (id, doc) in try await connection.query("SELECT id, doc FROM account WHERE \(all) OR id = ANY(\(ids))", logger: logger)
            .decode((String, String).self) {
            contents.accounts[id] = try value(Account.self, doc)
        }
        for try await (account, name, doc) in try await connection.query(
            "SELECT account_id, name, doc FROM settings_group WHERE \(all) OR account_id = ANY(\(ids))", logger: logger)
            .decode((String, String, String).self) {
            contents.groups[Key(account: account, name: name)] = try value(SettingsGroup.self, doc)
        }
        for try await (account, ext, doc) in try await connection.query(
            "SELECT account_id, ext, doc FROM app_user WHERE \(all) OR account_id = ANY(\(ids))", logger: logger)
            .decode((String, String, String).self) {
            contents.users[Key(account: account, name: ext)] = try value(User.self, doc)
        }
        if let codes { try await loadCodes(connection, accounts: accounts, codes, into: &contents.codes, logger: logger) }
        for try await (account, subject, lockedAt, until, strikes, count) in try await connection.query(
            "SELECT account_id, subject, locked_at, until, strikes, count FROM lockout WHERE \(all) OR account_id = ANY(\(ids))",
            logger: logger).decode((String, String, Double, Double, Int, Int).self) {
            contents.locks[Key(account: account, name: subject)] = LockState(lockedAt: lockedAt, until: until, strikes: strikes, count: count)
        }
        return contents
    }

    /// The codes of `accounts` (nil: every account) that `codes` names, added to `found`.
    static func loadCodes(_ connection: PostgresConnection, accounts: [String]?, _ codes: Codes, into found: inout [Key: AccountCode],
                          logger: Logger) async throws {
        let all = accounts == nil
        let ids = accounts ?? []
        let codeRows: PostgresRowSequence
        switch codes {
        case .all:
            codeRows = try await connection.query("SELECT account_id, code, doc FROM code WHERE \(all) OR account_id = ANY(\(ids))",
                                                  logger: logger)
        case .since(let revision):
            codeRows = try await connection.query("""
                SELECT account_id, code, doc FROM code WHERE account_id = ANY(\(ids)) AND revision > \(revision)
                """, logger: logger)
        case .named(let named):
            let names = Array(named)
            codeRows = try await connection.query("""
                (SELECT account_id, code, doc FROM code WHERE account_id = ANY(\(ids)) AND code = ANY(\(names)))
                UNION ALL
                (SELECT account_id, code, doc FROM code WHERE account_id = ANY(\(ids)) AND NOT code = ANY(\(names)) LIMIT 1)
                """, logger: logger)
        }
        for try await (account, code, doc) in codeRows.decode((String, String, String).self) {
            found[Key(account: account, name: code)] = try value(AccountCode.self, doc)
        }
    }

    /// Writes what a change did to the loaded rows (`before` to `after`), its audit records with it.
    /// Returns the accounts whose settings changed.
    static func writeBack(_ connection: PostgresConnection, before: MemoryStore.Contents, after: MemoryStore.Contents,
                          revision: Int64, logger: Logger) async throws -> Set<String> {
        var changed = Set<String>()
        let accounts = after.accounts.filter { before.accounts[$0.key] != $0.value }
        if !accounts.isEmpty {
            let ids = Array(accounts.keys)
            let docs = try ids.map { try doc(accounts[$0]) }
            try await connection.query("""
                INSERT INTO account (id, doc) SELECT * FROM unnest(\(ids)::text[], \(docs)::text[])
                ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc
                """, logger: logger)
            changed.formUnion(ids)
        }
        changed.formUnion(try await write(connection, table: "settings_group", nameColumn: "name", before: before.groups, after: after.groups,
                                          logger: logger))
        changed.formUnion(try await write(connection, table: "app_user", nameColumn: "ext", before: before.users, after: after.users,
                                          logger: logger))
        let codes = after.codes.filter { before.codes[$0.key] != $0.value }
        if !codes.isEmpty {
            let values = Array(codes.values)
            try await connection.query("""
                INSERT INTO code (account_id, code, description, active, doc, revision)
                SELECT *, \(revision)::bigint FROM unnest(\(values.map(\.accountID))::text[], \(values.map(\.code))::text[],
                                     \(values.map(\.description))::text[], \(values.map(\.active))::boolean[], \(try values.map { try doc($0) })::text[])
                ON CONFLICT (account_id, code) DO UPDATE SET description = EXCLUDED.description, active = EXCLUDED.active, doc = EXCLUDED.doc,
                    revision = EXCLUDED.revision
                """, logger: logger)
            changed.formUnion(codes.keys.map(\.account))
        }
        let removedCodes = before.codes.keys.filter { after.codes[$0] == nil }
        if !removedCodes.isEmpty {
            try await connection.query("""
                DELETE FROM code WHERE (account_id, code) IN (SELECT * FROM unnest(\(removedCodes.map(\.account))::text[], \(removedCodes.map(\.name))::text[]))
                """, logger: logger)
            try await connection.query("""
                INSERT INTO code_removed (account_id, code, revision)
                SELECT *, \(revision)::bigint FROM unnest(\(removedCodes.map(\.account))::text[], \(removedCodes.map(\.name))::text[])
                """, logger: logger)
            changed.formUnion(removedCodes.map(\.account))
        }
        for record in after.audit.dropFirst(before.audit.count) {
            var stored = record
            stored.id = nil
            try await connection.query("INSERT INTO audit (account_id, doc) VALUES (\(record.accountID), \(try doc(stored)))", logger: logger)
        }
        return changed
    }

    /// Upserts and deletes one table of documents keyed by account and name.
    private static func write<T: Encodable & Equatable>(_ connection: PostgresConnection, table: String, nameColumn: String,
                                                        before: [Key: T], after: [Key: T], logger: Logger) async throws -> Set<String> {
        var changed = Set<String>()
        let upserts = after.filter { before[$0.key] != $0.value }
        if !upserts.isEmpty {
            let keys = Array(upserts.keys)
            let docs = try keys.map { try doc(upserts[$0]) }
            try await connection.query("""
                INSERT INTO \(unescaped: table) (account_id, \(unescaped: nameColumn), doc)
                SELECT * FROM unnest(\(keys.map(\.account))::text[], \(keys.map(\.name))::text[], \(docs)::text[])
                ON CONFLICT (account_id, \(unescaped: nameColumn)) DO UPDATE SET doc = EXCLUDED.doc
                """, logger: logger)
            changed.formUnion(keys.map(\.account))
        }
        let removed = before.keys.filter { after[$0] == nil }
        if !removed.isEmpty {
            try await connection.query("""
                DELETE FROM \(unescaped: table) WHERE (account_id, \(unescaped: nameColumn))
                    IN (SELECT * FROM unnest(\(removed.map(\.account))::text[], \(removed.map(\.name))::text[]))
                """, logger: logger)
            changed.formUnion(removed.map(\.account))
        }
        return changed
    }

    /// The revision a change writes under. Taken under the account's lock (every change to an
    /// account, lockouts included, takes it first), so an account's revisions follow the order its
    /// changes commit in: a server that has read revision R has every code row written at or below R.
    static func nextRevision(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query("SELECT nextval('settings_revision_seq')", logger: logger).decode(Int64.self).collect().first ?? 0
    }

    /// Marks accounts changed at `revision`: every server reloads them (the notification now, the poll at worst).
    static func bump(_ connection: PostgresConnection, accounts: Set<String>, revision: Int64, logger: Logger) async throws {
        for account in accounts.sorted() {
            try await connection.query("""
                INSERT INTO settings_revision (account_id, revision) VALUES (\(account), \(revision))
                ON CONFLICT (account_id) DO UPDATE SET revision = GREATEST(settings_revision.revision, EXCLUDED.revision)
                """, logger: logger)
            try await connection.query("SELECT pg_notify(\(SettingsSync.channel), \("\(revision) \(account)"))", logger: logger)
        }
    }

    /// Takes the account's lock and a revision for a change to it.
    static func beginChange(_ connection: PostgresConnection, account: String, logger: Logger) async throws -> Int64 {
        try await lock(connection, "account:\(account)", logger: logger)
        return try await nextRevision(connection, logger: logger)
    }

    /// Codes removed from `account` after `revision`.
    static func removedCodes(_ connection: PostgresConnection, account: String, since revision: Int64, logger: Logger) async throws -> [Key] {
        try await connection.query("SELECT code FROM code_removed WHERE account_id = \(account) AND revision > \(revision)", logger: logger)
            .decode(String.self).collect().map { Key(account: account, name: $0) }
    }

    /// Serialises changes to one account across servers, until the transaction ends.
    static func lock(_ connection: PostgresConnection, _ name: String, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))", logger: logger)
    }
}
