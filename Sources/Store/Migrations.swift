import AccountCodes
internal import GRDB
import StoreCore

/// Schema versions. Never edit a shipped migration: add the next one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-groups-users-codes-usage") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    code_length INTEGER CHECK (code_length BETWEEN 3 AND 7),
                    max_retries INTEGER NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 1 AND 9),
                    settings TEXT NOT NULL,
                    plan TEXT NOT NULL
                );
                CREATE TABLE settings_group (
                    account_id TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    overrides TEXT NOT NULL,
                    permission TEXT NOT NULL,
                    PRIMARY KEY (account_id, name)
                ) WITHOUT ROWID;
                CREATE TABLE user (
                    account_id TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    extension TEXT NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    group_name TEXT,
                    enabled INTEGER NOT NULL DEFAULT 0,
                    overrides TEXT NOT NULL,
                    PRIMARY KEY (account_id, extension)
                ) WITHOUT ROWID;
                CREATE TABLE code (
                    account_id TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    code TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    active INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (account_id, code)
                ) WITHOUT ROWID;
                CREATE TABLE usage (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    route TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    user TEXT NOT NULL,
                    caller_id TEXT NOT NULL,
                    dialed TEXT NOT NULL,
                    class TEXT NOT NULL,
                    asked TEXT NOT NULL,
                    incorrect_entries INTEGER NOT NULL DEFAULT 0,
                    result TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    code TEXT,
                    tag_code TEXT,
                    tagged_at TEXT,
                    uniqueid TEXT NOT NULL,
                    linkedid TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    ended_at TEXT,
                    disposition TEXT,
                    duration INTEGER,
                    billsec INTEGER
                );
                CREATE INDEX usage_started ON usage(account_id, started_at);
                CREATE INDEX usage_uniqueid ON usage(uniqueid);
                CREATE INDEX usage_code ON usage(account_id, COALESCE(tag_code, code));
                """)
        }
        // One number that changes with every account, group or user change, from any process:
        // the server keeps decoded settings while it stays the same (see `SettingsCache`).
        migrator.registerMigration("v2-settings-revision") { db in
            try db.execute(sql: """
                CREATE TABLE settings_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
                INSERT INTO settings_revision (id, revision) VALUES (1, 0);
                """)
            for table in ["account", "settings_group", "user"] {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_\(event.lowercased())_revision AFTER \(event) ON "\(table)"
                        BEGIN UPDATE settings_revision SET revision = revision + 1 WHERE id = 1; END
                        """)
                }
            }
        }
        // The index by billing code doubled the cost of every usage-log insert (its keys are random,
        // so each row dirtied a page of its own): 38 against 19 us a row in 20-row commits. Reports
        // and lists by code now read through the date index, or scan when no dates are given.
        migrator.registerMigration("v3-usage-without-code-index") { db in
            try db.execute(sql: "DROP INDEX usage_code")
        }
        // Toll-fraud defenses: the sources an account allows and what its unknown callers get;
        // codes limited to people, a call class and dates; incorrect entries and locks, kept in
        // the store so that they survive a restart and servers sharing the store share them.
        // Billable figures from earlier versions were stored as sent: impossible ones bill 0.
        migrator.registerMigration("v4-toll-fraud-defenses") { db in
            try db.execute(sql: """
                ALTER TABLE account ADD COLUMN allowed_sources TEXT NOT NULL DEFAULT '';
                ALTER TABLE account ADD COLUMN unknown_callers TEXT NOT NULL DEFAULT 'refuse';
                ALTER TABLE code ADD COLUMN users TEXT NOT NULL DEFAULT '';
                ALTER TABLE code ADD COLUMN groups TEXT NOT NULL DEFAULT '';
                ALTER TABLE code ADD COLUMN level TEXT;
                ALTER TABLE code ADD COLUMN valid_from TEXT;
                ALTER TABLE code ADD COLUMN valid_until TEXT;
                CREATE TABLE entry_failure (
                    account_id TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX entry_failure_subject ON entry_failure(account_id, subject, at);
                CREATE INDEX entry_failure_at ON entry_failure(at);
                CREATE TABLE lockout (
                    account_id TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    locked_at REAL NOT NULL,
                    until REAL NOT NULL,
                    strikes INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (account_id, subject)
                ) WITHOUT ROWID;
                UPDATE usage SET billsec = 0 WHERE billsec < 0 OR billsec > \(CallEnd.longestCall);
                UPDATE usage SET duration = NULL WHERE duration < 0 OR duration > \(CallEnd.longestCall);
                """)
        }
        // The operator's interface: API tokens (only a hash is kept), the audit log of every
        // change, and accounts that keep their codes out of that log.
        migrator.registerMigration("v5-api-tokens-audit") { db in
            try db.execute(sql: """
                ALTER TABLE account ADD COLUMN hide_codes INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE api_token (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    account_id TEXT,
                    hash TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    before TEXT,
                    after TEXT
                );
                CREATE INDEX audit_account ON audit(account_id, id);
                """)
        }
        // Every PBX's calls apart: a call is its account, PBX and uniqueid (two Asterisk boxes
        // hand out the same uniqueids), and a request asked again on another server is found by
        // the dialplan's request id. Existing entries are a PBX with no name.
        migrator.registerMigration("v6-usage-pbx-request") { db in
            try db.execute(sql: """
                ALTER TABLE usage ADD COLUMN pbx TEXT NOT NULL DEFAULT '';
                ALTER TABLE usage ADD COLUMN request TEXT NOT NULL DEFAULT '';
                """)
        }
        // Console sign-ins and failed sign-ins kept in the store: a restart keeps them, and
        // servers sharing a store share them. Only hashes of session ids and tokens.
        migrator.registerMigration("v7-console-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE console_session (
                    id_hash TEXT PRIMARY KEY NOT NULL,
                    token_hash TEXT NOT NULL,
                    csrf TEXT NOT NULL,
                    started REAL NOT NULL,
                    last_seen REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE sign_in_failure (address TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX sign_in_failure_address ON sign_in_failure(address, at);
                CREATE INDEX sign_in_failure_at ON sign_in_failure(at);
                """)
        }
        // Billing terms (issue 24): an account's increment, minimum and rate, and a code's own
        // over them, as JSON of the AccountCodes values; NULL is the account's or the standard terms.
        migrator.registerMigration("v8-billing-terms") { db in
            try db.execute(sql: """
                ALTER TABLE account ADD COLUMN billing TEXT;
                ALTER TABLE code ADD COLUMN billing TEXT;
                """)
        }
        // Billing that follows the call (issue 24): corrections after the call (the code an admin
        // set, why, who and when, beside the code and tag as keyed), and a transfer (to whom, when).
        migrator.registerMigration("v9-usage-corrections") { db in
            try db.execute(sql: """
                ALTER TABLE usage ADD COLUMN corrected_code TEXT;
                ALTER TABLE usage ADD COLUMN correction_reason TEXT;
                ALTER TABLE usage ADD COLUMN corrected_by TEXT;
                ALTER TABLE usage ADD COLUMN corrected_at TEXT;
                ALTER TABLE usage ADD COLUMN transfer_to TEXT;
                ALTER TABLE usage ADD COLUMN transferred_at TEXT;
                """)
        }
        // A lock is a call-path fact the server keeps beside the settings (`SettingsCache`): setting
        // or lifting one, from any process, bumps the same revision. Incorrect entries are counted
        // in `entry_failure` and bump nothing: only a lock changes what a call decides.
        migrator.registerMigration("v10-lockout-revision") { db in
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(sql: """
                    CREATE TRIGGER lockout_\(event.lowercased())_revision AFTER \(event) ON lockout
                    BEGIN UPDATE settings_revision SET revision = revision + 1 WHERE id = 1; END
                    """)
            }
        }
        return migrator
    }
}
