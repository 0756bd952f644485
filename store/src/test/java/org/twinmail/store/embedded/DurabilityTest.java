package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.StoreException;

class DurabilityTest extends StoreFixture {

    @Test
    void everythingSurvivesCloseAndReopen() {
        openStore();
        store.addDomain("example.com");
        store.setDomainQuota("example.com", 1 << 20);
        Account a = account("alice@example.com", 50_000, 0);
        store.addAlias("info@example.com", List.of(addr("alice@example.com")));
        MessageData small = message(100, "small");
        MessageData large = message((int) INLINE_MAX * 3, "large");
        deliver(small, a);
        deliver(large, a);
        long position = store.lastChangePosition();
        long uidValidity = store.mailbox(a.id(), "INBOX").orElseThrow().uidValidity();
        store.close();

        EmbeddedMailStore again = open(StoreOptions.defaults(dataDir));
        assertThat(again.findDomain("example.com").orElseThrow().quotaBytes()).isEqualTo(1 << 20);
        Account back = again.findAccount(a.id()).orElseThrow();
        assertThat(back.usedBytes()).isEqualTo(100 + INLINE_MAX * 3);
        assertThat(back.quotaBytes()).isEqualTo(50_000);
        assertThat(again.listAliases(null)).hasSize(1);
        assertThat(again.lastChangePosition()).isEqualTo(position);
        var inbox = again.mailbox(a.id(), "INBOX").orElseThrow();
        assertThat(inbox.uidValidity()).isEqualTo(uidValidity);
        assertThat(inbox.uidNext()).isEqualTo(3);
        List<MessageEntry> entries = again.messages(inbox.id());
        assertThat(entries).hasSize(2);
        assertThat(readAll(openBlob(again, entries.get(0).blobId()))).isEqualTo(bytes(small));
        assertThat(readAll(openBlob(again, entries.get(1).blobId()))).isEqualTo(bytes(large));
        assertThat(again.storedEpoch()).isEqualTo(1);
    }

    @Test
    void closeCommitsWhatIsQueuedAndThenRefusesWork() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        WriterGate gate = holdWriterOnNextChange();
        deliver(message(10, "opens the gate"), a);
        gate.awaitHeld();

        List<Future<DeliveryReceipt>> queued = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 5; i++) {
                MessageData m = message(10, "queued " + i);
                queued.add(threads.submit(() -> deliver(m, a)));
            }
            awaitQueued(registry, 5);
            Thread closer = Thread.ofVirtual().start(store::close);
            Thread.sleep(50);
            gate.open();
            closer.join();
            for (Future<DeliveryReceipt> f : queued) assertThat(f.get().placed()).hasSize(1);
        }
        assertThatThrownBy(() -> store.addDomain("x.example")).isInstanceOf(StoreException.Unavailable.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.listDomains()).isInstanceOf(StoreException.Unavailable.class);
        store.close(); // idempotent

        EmbeddedMailStore again = open(StoreOptions.defaults(dataDir));
        assertThat(again.findAccount(a.id()).orElseThrow().messageCount()).isEqualTo(6);
    }

    @Test
    void theSweepAfterOpenDeletesBlobFilesNobodyReferencesAndKeepsEveryReferencedOne() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        MessageData kept = message((int) INLINE_MAX + 10, "kept");
        deliver(kept, a);
        store.close();

        // what a crash between writing the file and committing leaves behind
        String orphan = "ab".repeat(32);
        Path orphanFile = blobFile(orphan);
        Files.createDirectories(orphanFile.getParent());
        Files.write(orphanFile, new byte[] {1, 2, 3});
        Path oldTemp = orphanFile.resolveSibling(".tmp-" + orphan + "-1");
        Files.write(oldTemp, new byte[] {1});
        Files.setLastModifiedTime(oldTemp, FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS)));
        Path freshTemp = orphanFile.resolveSibling(".tmp-" + orphan + "-2"); // may belong to a live writer
        Files.write(freshTemp, new byte[] {1});
        Path stranger = blobDir().resolve("README");
        Files.writeString(stranger, "not ours");

        EmbeddedMailStore again = store = open(options(1, new io.micrometer.core.instrument.simple.SimpleMeterRegistry())); // files above INLINE_MAX
        // the open leaves them (it is on every takeover's path); the sweep comes after, on a thread of its own
        assertThat(orphanFile).exists();
        assertThat(oldTemp).exists();
        assertThat(again.orphanSweep()).isNotDone();
        MessageData later = message((int) INLINE_MAX + 20, "delivered after the open");
        deliver(later, a);
        again.sweepOrphansNow();
        assertThat(again.orphanSweep().get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(orphanFile).doesNotExist();
        assertThat(oldTemp).doesNotExist();
        assertThat(blobFile(later.sha256())).exists();
        assertThat(readAll(again.openBlob(later.sha256()))).isEqualTo(bytes(later));
        assertThat(freshTemp).exists();
        assertThat(stranger).exists();
        assertThat(blobFile(kept.sha256())).exists();
        assertThat(readAll(again.openBlob(kept.sha256()))).isEqualTo(bytes(kept));
    }

    @Test
    void aStoreFromANewerVersionIsRefused() throws Exception {
        openStore().close();
        SQLiteConfig config = new SQLiteConfig();
        try (Connection c = config.createConnection("jdbc:sqlite:" + dbFile()); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE meta SET schema_version = 99");
        }
        assertThatThrownBy(() -> open(StoreOptions.defaults(dataDir)))
                .isInstanceOf(StoreException.Unavailable.class).hasMessageContaining("schema version 99");
    }

    @Test
    void databaseIsInWalModeWithTheSchemaVersionRecorded() {
        openStore();
        assertThat(sqlLong("SELECT schema_version FROM meta")).isEqualTo(Schema.CURRENT);
        assertThat(Files.exists(dbFile().resolveSibling("mail.db-wal"))).isTrue();
    }

    @Test
    void optionsAreValidated() {
        var reg = new SimpleMeterRegistry();
        assertThatThrownBy(() -> new StoreOptions(dataDir, 0, 256, 1024, 4, reg)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreOptions(dataDir, 1, 0, 1024, 4, reg)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreOptions(dataDir, 1, 256, -1, 4, reg)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreOptions(dataDir, 1, 256, 1024, 0, reg)).isInstanceOf(IllegalArgumentException.class);
        StoreOptions d = StoreOptions.defaults(dataDir);
        assertThat(d.epoch()).isEqualTo(1);
        assertThat(d.groupCommitMaxBatch()).isEqualTo(256);
        assertThat(d.inlineBlobMaxBytes()).isEqualTo(128 * 1024);
        assertThat(d.readThreads()).isEqualTo(4);
    }

    private static java.io.InputStream openBlob(EmbeddedMailStore s, String id) {
        try {
            return s.openBlob(id);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] bytes(MessageData m) {
        try {
            return m.bytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
