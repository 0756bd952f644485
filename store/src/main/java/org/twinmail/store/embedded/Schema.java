package org.twinmail.store.embedded;

import java.sql.SQLException;
import java.util.List;
import org.twinmail.store.StoreException;

/**
 * The database schema and its versions. A store created by this code has
 * {@code meta.schema_version = CURRENT}; a newer store is refused (we cannot know
 * what its extra columns mean), an older one is upgraded step by step in one
 * transaction when migrations exist.
 *
 * <p>Two kinds of change, so that a pair can be upgraded one node at a time:
 * <ul>
 *   <li>A <em>version</em> ({@code V1}..{@code V6}) changes what existing tables mean; it
 *       raises {@code schema_version}, and a TwinMail that knows a lower version refuses the
 *       store.</li>
 *   <li>A <em>step</em> ({@link #STEPS}) only adds tables or indexes that older code never
 *       reads; it is recorded by name in {@code schema_step} and leaves {@code schema_version}
 *       alone, so the previous release still opens a store the new one has used (a rolling
 *       upgrade switches over in both directions). What an older node writes meanwhile must
 *       leave the added tables consistent: the "records" step is safe because an older node
 *       never reuses the account ids whose records it does not remove.</li>
 * </ul>
 * Change-log entries of kinds an older node does not know are read as
 * {@code Change.Kind.UNKNOWN} by this version and later ones.
 */
final class Schema {
    private Schema() {}

    static final int CURRENT = 6;

    /**
     * Version 1. Ids are AUTOINCREMENT so a removed account's id is never handed to a
     * new one (events, caches and the change log name accounts by id). Sizes are bytes,
     * times epoch milliseconds.
     */
    static final List<String> V1 = List.of(
            """
            CREATE TABLE meta (
              id                INTEGER PRIMARY KEY CHECK (id = 1),
              schema_version    INTEGER NOT NULL,
              epoch             INTEGER NOT NULL,       -- highest cluster epoch recorded (fence)
              last_uid_validity INTEGER NOT NULL        -- keeps UIDVALIDITY unique across all mailboxes ever made
            )""",
            """
            CREATE TABLE domain (
              id          INTEGER PRIMARY KEY AUTOINCREMENT,
              name        TEXT NOT NULL UNIQUE,         -- lower case
              quota_bytes INTEGER NOT NULL CHECK (quota_bytes >= 0),
              used_bytes  INTEGER NOT NULL DEFAULT 0
            )""",
            """
            CREATE TABLE account (
              id                INTEGER PRIMARY KEY AUTOINCREMENT,
              domain_id         INTEGER NOT NULL REFERENCES domain(id),
              address_key       TEXT NOT NULL UNIQUE,   -- EmailAddress.key(): lookups ignore case
              local_part        TEXT NOT NULL,          -- as it was created, for display
              password_hash     TEXT NOT NULL,
              quota_bytes       INTEGER NOT NULL CHECK (quota_bytes >= 0),
              max_message_bytes INTEGER NOT NULL CHECK (max_message_bytes >= 0),
              used_bytes        INTEGER NOT NULL DEFAULT 0,
              message_count     INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX account_domain ON account(domain_id)",
            """
            CREATE TABLE alias (
              id        INTEGER PRIMARY KEY AUTOINCREMENT,
              source    TEXT NOT NULL UNIQUE,           -- 'user@domain' lower-cased, or '@domain' (catch-all)
              domain_id INTEGER NOT NULL REFERENCES domain(id)
            )""",
            "CREATE INDEX alias_domain ON alias(domain_id)",
            """
            CREATE TABLE alias_target (
              alias_id   INTEGER NOT NULL REFERENCES alias(id) ON DELETE CASCADE,
              position   INTEGER NOT NULL,              -- keeps the administrator's order
              local_part TEXT NOT NULL,
              domain     TEXT NOT NULL,
              PRIMARY KEY (alias_id, position)
            ) WITHOUT ROWID""",
            """
            CREATE TABLE mailbox (
              id             INTEGER PRIMARY KEY AUTOINCREMENT,
              account_id     INTEGER NOT NULL REFERENCES account(id),
              name           TEXT NOT NULL,
              special_use    TEXT,                      -- SpecialUse name, NULL for ordinary folders
              uid_validity   INTEGER NOT NULL,
              uid_next       INTEGER NOT NULL,
              highest_modseq INTEGER NOT NULL,          -- change-log position of its newest change
              message_count  INTEGER NOT NULL DEFAULT 0,
              size_bytes     INTEGER NOT NULL DEFAULT 0,
              UNIQUE (account_id, name)
            )""",
            "CREATE UNIQUE INDEX mailbox_special_use ON mailbox(account_id, special_use) WHERE special_use IS NOT NULL",
            """
            CREATE TABLE blob (
              id      INTEGER PRIMARY KEY,
              sha256  TEXT NOT NULL UNIQUE,             -- content address, lower-case hex
              size    INTEGER NOT NULL,
              refs    INTEGER NOT NULL CHECK (refs > 0),-- message entries using it; the row goes at 0
              in_file INTEGER NOT NULL CHECK (in_file IN (0, 1)),
              content BLOB                              -- last, so reading the columns above never touches its overflow pages
            )""",
            """
            CREATE TABLE message (
              mailbox_id    INTEGER NOT NULL REFERENCES mailbox(id),
              uid           INTEGER NOT NULL,
              modseq        INTEGER NOT NULL,
              flags         TEXT NOT NULL,              -- space-separated, sorted
              internal_date INTEGER NOT NULL,
              size          INTEGER NOT NULL,
              blob_sha256   TEXT NOT NULL REFERENCES blob(sha256),
              PRIMARY KEY (mailbox_id, uid)
            ) WITHOUT ROWID""",
            // Lets SQLite check the foreign key when a blob row goes without scanning every message.
            "CREATE INDEX message_blob ON message(blob_sha256)",
            """
            CREATE TABLE change_log (
              position   INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even if the log is trimmed
              epoch      INTEGER NOT NULL,
              kind       TEXT NOT NULL,
              account_id INTEGER NOT NULL,
              mailbox_id INTEGER NOT NULL,
              uid        INTEGER NOT NULL,
              detail     TEXT NOT NULL
            )""");

    /**
     * Version 2, for IMAP: subscriptions (names, which need not exist), and an index
     * that finds a mailbox's expunges in the change log (CONDSTORE/QRESYNC) without
     * scanning the whole log. Existing mailboxes start out subscribed, as new ones
     * are when an account is created.
     */
    static final List<String> V2 = List.of(
            """
            CREATE TABLE subscription (
              account_id INTEGER NOT NULL REFERENCES account(id),
              name       TEXT NOT NULL,
              PRIMARY KEY (account_id, name)
            ) WITHOUT ROWID""",
            "CREATE INDEX change_log_mailbox ON change_log(mailbox_id, position)",
            "INSERT INTO subscription (account_id, name) SELECT account_id, name FROM mailbox");

    /**
     * Version 3, message-count limits (IMAP QUOTA's MESSAGE resource, RFC 9208):
     * {@code max_messages} on the account and on the domain, NULL for no limit (so
     * existing rows need no value), and the domain's message count, kept in the same
     * transactions as its {@code used_bytes} so a delivery checks the domain limit
     * without summing every account of the domain.
     */
    static final List<String> V3 = List.of(
            "ALTER TABLE account ADD COLUMN max_messages INTEGER CHECK (max_messages > 0)",
            "ALTER TABLE domain ADD COLUMN max_messages INTEGER CHECK (max_messages > 0)",
            "ALTER TABLE domain ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0",
            """
            UPDATE domain SET message_count =
              (SELECT coalesce(sum(a.message_count), 0) FROM account a WHERE a.domain_id = domain.id)""");

    /**
     * Version 4, the outbound queue (docs/relay.md): one {@code queue_message} per accepted
     * message with remote recipients, holding one reference to its blob (counted in
     * {@code blob.refs} like a message entry) until its last recipient leaves; one
     * {@code queue_recipient} per remote recipient. {@code state} is 'waiting' or 'active'
     * (claimed by the delivery code of the active node; released when a node starts delivering).
     */
    static final List<String> V4 = List.of(
            """
            CREATE TABLE queue_message (
              id          INTEGER PRIMARY KEY AUTOINCREMENT, -- the queue id admins see; never reused
              sender      TEXT NOT NULL,                     -- reverse-path; '' = null sender (never bounced)
              blob_sha256 TEXT NOT NULL REFERENCES blob(sha256),
              size        INTEGER NOT NULL,
              arrival     INTEGER NOT NULL,
              smtputf8    INTEGER NOT NULL CHECK (smtputf8 IN (0, 1)),
              eight_bit   INTEGER NOT NULL CHECK (eight_bit IN (0, 1))
            )""",
            "CREATE INDEX queue_message_blob ON queue_message(blob_sha256)",
            """
            CREATE TABLE queue_recipient (
              id           INTEGER PRIMARY KEY AUTOINCREMENT,
              message_id   INTEGER NOT NULL REFERENCES queue_message(id),
              address      TEXT NOT NULL,                    -- as the sender wrote it
              domain       TEXT NOT NULL,                    -- lower case: the destination
              state        TEXT NOT NULL CHECK (state IN ('waiting', 'active')),
              attempts     INTEGER NOT NULL,
              next_attempt INTEGER NOT NULL,
              warned       INTEGER NOT NULL CHECK (warned IN (0, 1)), -- delay DSN sent
              last_reply   TEXT                              -- last attempt's reply or diagnosis
            )""",
            "CREATE INDEX queue_recipient_due ON queue_recipient(state, next_attempt)",
            "CREATE INDEX queue_recipient_message ON queue_recipient(message_id)");

    /**
     * Version 5, durable consumers of the change log (docs/store.md): one row per consumer
     * with the position up to which it has handled the log. Moving a cursor is not logged.
     */
    static final List<String> V5 = List.of(
            """
            CREATE TABLE consumer (
              name     TEXT PRIMARY KEY,                       -- [A-Za-z0-9._-]{1,100}
              position INTEGER NOT NULL CHECK (position >= 0), -- handled up to and including
              updated  INTEGER NOT NULL                        -- last advance, epoch milliseconds
            ) WITHOUT ROWID""");

    /**
     * Version 6, bodies of expunged messages kept while a reader's view may still show them
     * ({@code Mailboxes.openView}): each row is one blob reference not yet released, with the
     * change-log position of the expunge. Released when every open view has seen the position,
     * and all at the next open (no view survives a restart).
     */
    static final List<String> V6 = List.of(
            """
            CREATE TABLE held_body (
              mailbox_id INTEGER NOT NULL,   -- no foreign key: the mailbox may be deleted meanwhile
              position   INTEGER NOT NULL,   -- change_log position of the expunge
              sha256     TEXT NOT NULL       -- the blob whose reference is held
            )""",
            "CREATE INDEX held_body_mailbox ON held_body(mailbox_id, position)");

    /** An additive schema step: DDL that only creates new tables or indexes. */
    record Step(String name, List<String> ddl) { }

    static final String STEP_TABLE = """
            CREATE TABLE IF NOT EXISTS schema_step (
              name    TEXT PRIMARY KEY,
              applied INTEGER NOT NULL          -- epoch milliseconds
            ) WITHOUT ROWID""";

    /**
     * The additive steps, in the order they are applied. Names are never reused; a step is
     * never changed once released (add a new one instead).
     */
    static final List<Step> STEPS = List.of(
            // The Records role: small documents of features (rules, settings, scripts, metadata).
            new Step("records", List.of(
                    """
                    CREATE TABLE record (
                      kind    TEXT NOT NULL,
                      scope   TEXT NOT NULL,      -- '' | 'account:<id>' | 'domain:<name>'
                      name    TEXT NOT NULL,
                      value   BLOB NOT NULL,
                      version INTEGER NOT NULL,   -- change_log position of the last write
                      expires INTEGER NOT NULL,   -- epoch milliseconds, 0 = never
                      updated INTEGER NOT NULL,   -- epoch milliseconds
                      PRIMARY KEY (kind, scope, name)
                    )""",
                    "CREATE INDEX record_scope ON record(scope)",
                    "CREATE INDEX record_expiry ON record(expires) WHERE expires > 0")));

    private static void applySteps(Db db) throws SQLException {
        db.exec(STEP_TABLE);
        for (Step step : STEPS) {
            if (db.exists("SELECT 1 FROM schema_step WHERE name = ?", step.name())) continue;
            for (String ddl : step.ddl()) db.exec(ddl);
            db.update("INSERT INTO schema_step (name, applied) VALUES (?, ?)", step.name(), System.currentTimeMillis());
        }
    }

    /**
     * Creates the schema in an empty database or checks/upgrades an existing one.
     * Runs inside BEGIN IMMEDIATE so two processes opening a new store at once
     * cannot both create it.
     *
     * @param initialEpoch the epoch recorded when the store is created
     */
    static void createOrUpgrade(Db db, long initialEpoch) throws SQLException {
        db.exec("BEGIN IMMEDIATE");
        boolean done = false;
        try {
            if (!db.exists("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")) {
                // A new store takes the same steps as an upgraded one, so there is one schema, not two.
                for (String ddl : V1) db.exec(ddl);
                for (String ddl : V2) db.exec(ddl);
                for (String ddl : V3) db.exec(ddl);
                for (String ddl : V4) db.exec(ddl);
                for (String ddl : V5) db.exec(ddl);
                for (String ddl : V6) db.exec(ddl);
                db.update("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, ?, ?, 0)",
                        CURRENT, initialEpoch);
            } else {
                long version = db.queryLong("SELECT schema_version FROM meta WHERE id = 1")
                        .orElseThrow(() -> new StoreException.Unavailable("store database has an empty meta table", null));
                if (version > CURRENT) {
                    throw new StoreException.Unavailable("store schema version " + version
                            + " was written by a newer TwinMail; this one understands up to version " + CURRENT, null);
                }
                if (version < 2) {
                    for (String ddl : V2) db.exec(ddl);
                    version = 2;
                }
                if (version < 3) {
                    for (String ddl : V3) db.exec(ddl);
                    version = 3;
                }
                if (version < 4) {
                    for (String ddl : V4) db.exec(ddl);
                    version = 4;
                }
                if (version < 5) {
                    for (String ddl : V5) db.exec(ddl);
                    version = 5;
                }
                if (version < 6) {
                    for (String ddl : V6) db.exec(ddl);
                    version = 6;
                }
                db.update("UPDATE meta SET schema_version = ? WHERE id = 1", version);
            }
            applySteps(db);
            db.exec("COMMIT");
            done = true;
        } finally {
            if (!done) {
                try { db.exec("ROLLBACK"); } catch (SQLException ignored) { /* the original failure matters */ }
            }
        }
    }
}
