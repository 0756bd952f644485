package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;

/** A store in a temp directory, plus ways to look at its files and tables behind its back. */
abstract class StoreFixture {
    /** Cheap Argon2 so tests stay fast; the cost does not change what is tested. */
    static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);
    static final long INLINE_MAX = 4096;

    @TempDir
    Path dataDir;

    final List<EmbeddedMailStore> opened = new ArrayList<>();
    MeterRegistry registry;
    EmbeddedMailStore store;

    @AfterEach
    void closeStores() {
        for (EmbeddedMailStore s : opened) s.close();
    }

    /** Opens the fixture's store: epoch 1, small inline threshold so files are cheap to exercise. */
    EmbeddedMailStore openStore() {
        registry = new SimpleMeterRegistry();
        store = open(new StoreOptions(dataDir, 1, 256, INLINE_MAX, 2, registry));
        return store;
    }

    EmbeddedMailStore open(StoreOptions options) {
        EmbeddedMailStore s = EmbeddedMailStore.open(options);
        opened.add(s);
        return s;
    }

    StoreOptions options(long epoch, MeterRegistry reg) {
        return new StoreOptions(dataDir, epoch, 256, INLINE_MAX, 2, reg);
    }

    static EmailAddress addr(String s) {
        return EmailAddress.parse(s);
    }

    Account account(String address) {
        return account(address, 0, 0);
    }

    Account account(String address, long quota, long maxMessage) {
        return store.addAccount(addr(address), "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", quota, maxMessage);
    }

    static MessageData message(int size, String seed) {
        byte[] b = new byte[size];
        byte[] s = seed.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) b[i] = (byte) (s[i % s.length] + i / s.length);
        return MessageSpool.of(b);
    }

    DeliveryReceipt deliver(MessageData data, Account... to) {
        return store.deliver(new Delivery(Stream.of(to).map(Account::id).toList(), data, Instant.parse("2025-01-02T03:04:05Z")));
    }

    static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dbFile() {
        return dataDir.resolve("store").resolve("mail.db");
    }

    Path blobDir() {
        return dataDir.resolve("store").resolve("blobs");
    }

    /** Runs a query on a separate, read-only connection: what is committed, as SQLite itself sees it. */
    long sqlLong(String sql) {
        return sqlLong(dbFile(), sql);
    }

    /** {@link #sqlLong(String)} on the database file {@code dbFile}. */
    static long sqlLong(Path dbFile, String sql) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = config.createConnection("jdbc:sqlite:" + dbFile);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Regular files under blobs/, temp files included. */
    long blobFileCount() {
        try (Stream<Path> s = Files.walk(blobDir())) {
            return s.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path blobFile(String sha) {
        return blobDir().resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha);
    }

    double queuedWrites(MeterRegistry reg) {
        Gauge g = reg.find("twinmail.store.write.queue").gauge();
        return g == null ? 0 : g.value();
    }

    /**
     * Holds the writer thread inside a listener call (listeners run on it), so that
     * writes submitted meanwhile queue up and go into the next transaction together.
     */
    static final class WriterGate {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean(true);
        private final long afterPosition;

        /**
         * Holds on the first event past {@code afterPosition}: listeners run after the
         * caller has its answer, so an earlier write's event may still be on its way.
         */
        WriterGate(long afterPosition) {
            this.afterPosition = afterPosition;
        }

        void onEvent(StoreEvent e) {
            long position = switch (e) {
                case StoreEvent.MessagesAdded added -> added.changePosition();
                case StoreEvent.MailboxChanged changed -> changed.changePosition();
            };
            if (position <= afterPosition || !armed.compareAndSet(true, false)) return;
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitHeld() throws InterruptedException {
            // generous: on a machine loaded by parallel builds the writer can be slow to get there
            assertThat(entered.await(30, TimeUnit.SECONDS)).as("writer reached the gate").isTrue();
        }

        void open() {
            release.countDown();
        }
    }

    /** A gate on the writer for the next change, added as a listener. */
    WriterGate holdWriterOnNextChange() {
        WriterGate gate = new WriterGate(store.lastChangePosition());
        store.addListener(gate::onEvent);
        return gate;
    }

    /** Listeners run after the caller has its answer, so a test waits for them (bounded). */
    static void awaitSize(java.util.Collection<?> c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (c.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(20); // and a moment more, to catch events that should not come
    }

    /** Waits until {@code n} writes are queued behind a held writer. */
    void awaitQueued(MeterRegistry reg, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (queuedWrites(reg) < n) {
            assertThat(System.nanoTime()).as("%s writes queued in time", n).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
