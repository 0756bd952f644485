package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Mailbox;

/** A data directory written by an older schema version opens, is upgraded in place, and keeps its data. */
class SchemaUpgradeTest extends StoreFixture {

    @Test
    void versionOneStoreIsUpgradedOnOpen() throws Exception {
        Files.createDirectories(blobDir());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (String ddl : Schema.V1) st.execute(ddl);
            st.execute("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, 1, 1, 100)");
            st.execute("INSERT INTO domain (name, quota_bytes) VALUES ('example.org', 0)");
            st.execute("""
                    INSERT INTO account (domain_id, address_key, local_part, password_hash, quota_bytes, max_message_bytes)
                    VALUES (1, 'bob@example.org', 'bob', '$argon2id$x', 0, 0)""");
            st.execute("INSERT INTO mailbox (account_id, name, special_use, uid_validity, uid_next, highest_modseq) VALUES (1, 'INBOX', 'INBOX', 99, 1, 0)");
            // An expunge sets the mailbox's highest_modseq to its change-log position (1 here), as every version did.
            st.execute("INSERT INTO mailbox (account_id, name, special_use, uid_validity, uid_next, highest_modseq) VALUES (1, 'Lists', NULL, 100, 1, 1)");
            st.execute("INSERT INTO change_log (epoch, kind, account_id, mailbox_id, uid, detail) VALUES (1, 'MESSAGE_EXPUNGED', 1, 2, 5, '')");
        }
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(Schema.CURRENT).isEqualTo(6);
        long bob = store.findAccount(addr("bob@example.org")).orElseThrow().id();
        assertThat(store.subscriptions(bob)).containsExactly("INBOX", "Lists");
        Mailbox lists = store.mailbox(bob, "Lists").orElseThrow();
        assertThat(store.mailboxChanges(lists.id(), 0).expunged()).containsExactly(5L);
        store.createMailbox(bob, "New", null);
        assertThat(store.mailbox(bob, "New").orElseThrow().uidValidity()).isGreaterThan(100);
        assertThat(sqlLong("SELECT count(*) FROM sqlite_master WHERE name = 'change_log_mailbox'")).isEqualTo(1);
        store.close();
        openStore(); // opening the upgraded store again changes nothing
        assertThat(store.subscriptions(bob)).containsExactly("INBOX", "Lists");
    }

    @Test
    void versionTwoStoreGainsMessageLimitsAndTheDomainMessageCount() throws Exception {
        Files.createDirectories(blobDir());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (String ddl : Schema.V1) st.execute(ddl);
            for (String ddl : Schema.V2) st.execute(ddl);
            st.execute("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, 2, 1, 100)");
            st.execute("INSERT INTO domain (name, quota_bytes) VALUES ('example.org', 0)");
            st.execute("INSERT INTO domain (name, quota_bytes) VALUES ('empty.example', 0)");
            st.execute("""
                    INSERT INTO account (domain_id, address_key, local_part, password_hash, quota_bytes, max_message_bytes, message_count)
                    VALUES (1, 'bob@example.org', 'bob', '$argon2id$x', 0, 0, 3), (1, 'amy@example.org', 'amy', '$argon2id$x', 0, 0, 4)""");
        }
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(Schema.CURRENT);
        assertThat(sqlLong("SELECT message_count FROM domain WHERE name = 'example.org'")).isEqualTo(7);
        assertThat(sqlLong("SELECT message_count FROM domain WHERE name = 'empty.example'")).isZero();
        assertThat(sqlLong("SELECT count(*) FROM account WHERE max_messages IS NULL")).isEqualTo(2);
        assertThat(sqlLong("SELECT count(*) FROM domain WHERE max_messages IS NULL")).isEqualTo(2);
        store.close();
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(Schema.CURRENT);
    }

    @Test
    void versionThreeStoreGainsAnEmptyOutboundQueue() throws Exception {
        Files.createDirectories(blobDir());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (String ddl : Schema.V1) st.execute(ddl);
            for (String ddl : Schema.V2) st.execute(ddl);
            for (String ddl : Schema.V3) st.execute(ddl);
            st.execute("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, 3, 1, 100)");
        }
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(Schema.CURRENT);
        assertThat(store.queueStats().messages()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM sqlite_master WHERE name = 'queue_recipient_due'")).isEqualTo(1);
    }

    @Test
    void versionFourStoreGainsConsumerCursorsStartingAtZero() throws Exception {
        Files.createDirectories(blobDir());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (String ddl : Schema.V1) st.execute(ddl);
            for (String ddl : Schema.V2) st.execute(ddl);
            for (String ddl : Schema.V3) st.execute(ddl);
            for (String ddl : Schema.V4) st.execute(ddl);
            st.execute("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, 4, 1, 100)");
            st.execute("INSERT INTO change_log (epoch, kind, account_id, mailbox_id, uid, detail) VALUES (1, 'DOMAIN_ADDED', 0, 0, 0, 'a.example')");
        }
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(6);
        assertThat(store.consumerPosition("sms")).isZero();
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isZero();
        store.advanceConsumer("sms", 1);
        store.close();
        openStore();
        assertThat(store.consumerPosition("sms")).isEqualTo(1);
    }

    @Test
    void additiveStepsLeaveTheSchemaVersionSoThePreviousReleaseStillOpensTheStore() throws Exception {
        Files.createDirectories(blobDir());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (var v : java.util.List.of(Schema.V1, Schema.V2, Schema.V3, Schema.V4, Schema.V5, Schema.V6)) {
                for (String ddl : v) st.execute(ddl);
            }
            st.execute("INSERT INTO meta (id, schema_version, epoch, last_uid_validity) VALUES (1, 6, 1, 100)");
            // a kind this version does not know, as a newer release would write it
            st.execute("INSERT INTO change_log (epoch, kind, account_id, mailbox_id, uid, detail) VALUES (1, 'SOMETHING_NEW', 0, 0, 0, 'x')");
        }
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).as("a step is not a version").isEqualTo(6);
        assertThat(sqlLong("SELECT count(*) FROM schema_step WHERE name = 'records'")).isEqualTo(1);
        assertThat(store.changesSince(0, 10)).extracting(org.twinmail.store.Change::kind)
                .containsExactly(org.twinmail.store.Change.Kind.UNKNOWN);
        store.putRecord("k", "", "n", "v".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
        store.close();
        openStore(); // applying the steps again changes nothing
        assertThat(store.record("k", "", "n")).isPresent();
        assertThat(sqlLong("SELECT count(*) FROM schema_step")).isEqualTo(Schema.STEPS.size());
    }
}
