import Foundation
import Logging
import PostgresNIO

/// The database's tables, created and changed by numbered migrations. Each runs in a transaction
/// under an advisory lock, so servers starting together migrate once: the others wait, then find
/// the version already there.
///
/// Settings are kept as JSON documents of the AccountCodes values (the rules read them as values,
/// and every server decodes the same ones); the usage log and the lockout are columns, for totals,
/// unique keys and atomic counting.
enum Schema {
    /// Any 64-bit number no other application on the database uses as an advisory lock.
    static let migrationLock: Int64 = 0x6163_6374_636F_6465 // "acctcode"

    static let migrations: [String] = [
        """
        CREATE TABLE account (id text PRIMARY KEY, doc text NOT NULL);
        CREATE TABLE settings_group (account_id text NOT NULL, name text NOT NULL, doc text NOT NULL, PRIMARY KEY (account_id, name));
        CREATE TABLE app_user (account_id text NOT NULL, ext text NOT NULL, doc text NOT NULL, PRIMARY KEY (account_id, ext));
        CREATE TABLE code (account_id text NOT NULL, code text NOT NULL, description text NOT NULL, active boolean NOT NULL,
                           doc text NOT NULL, PRIMARY KEY (account_id, code));
        CREATE TABLE lockout (account_id text NOT NULL, subject text NOT NULL, locked_at double precision NOT NULL,
                              until double precision NOT NULL, strikes integer NOT NULL, count integer NOT NULL,
                              PRIMARY KEY (account_id, subject));
        CREATE TABLE entry_failure (account_id text NOT NULL, subject text NOT NULL, at double precision NOT NULL);
        CREATE INDEX entry_failure_subject ON entry_failure (account_id, subject, at);
        CREATE SEQUENCE settings_revision_seq;
        CREATE TABLE settings_revision (account_id text PRIMARY KEY, revision bigint NOT NULL);
        CREATE TABLE api_token (id text PRIMARY KEY, hash text NOT NULL UNIQUE, created_at double precision NOT NULL, doc text NOT NULL);
        CREATE TABLE audit (id bigserial PRIMARY KEY, account_id text NOT NULL, doc text NOT NULL);
        CREATE INDEX audit_account ON audit (account_id, id);
        CREATE TABLE usage (
            id bigserial PRIMARY KEY, started_ms bigint NOT NULL, route text NOT NULL, account_id text NOT NULL,
            "user" text NOT NULL, caller_id text NOT NULL, dialed text NOT NULL, class text NOT NULL, asked text NOT NULL,
            incorrect_entries integer NOT NULL, result text NOT NULL, reason text NOT NULL, code text,
            tag_code text, tagged_ms bigint, uniqueid text NOT NULL, linkedid text NOT NULL, channel text NOT NULL,
            ended_ms bigint, disposition text, duration integer, billsec integer,
            -- One entry per request: a replay (a spool drained twice, by two servers, or after a
            -- crash) inserts nothing the second time.
            UNIQUE (account_id, uniqueid, route, started_ms)
        );
        CREATE INDEX usage_account_started ON usage (account_id, started_ms);
        CREATE INDEX usage_account_id ON usage (account_id, id);
        """,
        // Codes reload by what changed: each row keeps the revision that wrote it, a removal
        // leaves a tombstone (kept a day), so a server with 100,000 codes re-reads one, not all.
        """
        ALTER TABLE code ADD COLUMN revision bigint NOT NULL DEFAULT 0;
        CREATE INDEX code_revision ON code (account_id, revision);
        CREATE TABLE code_removed (account_id text NOT NULL, code text NOT NULL, revision bigint NOT NULL,
                                   removed_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX code_removed_revision ON code_removed (account_id, revision);
        """,
        // Every PBX's calls apart, and a request asked again on another server found by the
        // dialplan's id: one key, (account, PBX, uniqueid, route, request), where `request` is the
        // id, or `@` and the start in milliseconds for a request without one (`requestKey`).
        // Existing entries are a PBX with no name and requests without an id.
        """
        ALTER TABLE usage ADD COLUMN pbx text NOT NULL DEFAULT '';
        ALTER TABLE usage ADD COLUMN request text;
        UPDATE usage SET request = '@' || started_ms;
        ALTER TABLE usage ALTER COLUMN request SET NOT NULL;
        ALTER TABLE usage DROP CONSTRAINT usage_account_id_uniqueid_route_started_ms_key;
        CREATE UNIQUE INDEX usage_request ON usage (account_id, pbx, uniqueid, route, request);
        """,
        // Console sign-ins and failed sign-ins, shared by every server: a balancer may send a
        // browser's requests to any of them. Only hashes of session ids and tokens.
        """
        CREATE TABLE console_session (id_hash text PRIMARY KEY, token_hash text NOT NULL, csrf text NOT NULL,
                                      started double precision NOT NULL, last_seen double precision NOT NULL);
        CREATE TABLE sign_in_failure (address text NOT NULL, at double precision NOT NULL);
        CREATE INDEX sign_in_failure_address ON sign_in_failure (address, at);
        CREATE INDEX sign_in_failure_at ON sign_in_failure (at);
        """,
        // Billing that follows the call (issue 24): corrections after the call (the code an admin
        // set, why, who and when, beside the code and tag as keyed), and a transfer (to whom, when).
        // (Billing terms live in the account and code documents.)
        """
        ALTER TABLE usage ADD COLUMN corrected_code text;
        ALTER TABLE usage ADD COLUMN correction_reason text;
        ALTER TABLE usage ADD COLUMN corrected_by text;
        ALTER TABLE usage ADD COLUMN corrected_ms bigint;
        ALTER TABLE usage ADD COLUMN transfer_to text;
        ALTER TABLE usage ADD COLUMN transferred_ms bigint;
        """,
    ]

    static func migrate(_ client: PostgresClient, through last: Int? = nil, logger: Logger) async throws {
        let target = min(last ?? migrations.count, migrations.count)
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)", logger: logger)
            var version = 0
            for try await (stored) in try await connection.query("SELECT max(version) FROM schema_version", logger: logger)
                .decode(Int?.self) {
                version = stored ?? 0
            }
            guard version < target else { return }
            for (index, migration) in migrations.enumerated().prefix(target).dropFirst(version) {
                // One statement at a time: the extended protocol takes one per query.
                for statement in migration.split(separator: ";\n").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                    where !statement.isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement.hasSuffix(";") ? String(statement.dropLast()) : statement),
                                               logger: logger)
                }
                try await connection.query("INSERT INTO schema_version (version) VALUES (\(index + 1))", logger: logger)
            }
            logger.info("PostgreSQL schema migrated from version \(version) to \(target)")
        }
    }
}

extension PostgresStore {
    /// Runs SQL as it is: upgrade tests write rows as an earlier schema held them.
    func execute(unsafeSQL sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
