package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.MailStore;

/**
 * What every contract suite shares: how a test gets a store of the backend under test,
 * and small builders of accounts and messages. A backend module extends each role's
 * contract ({@link DirectoryContract}, {@link MailboxesContract}, {@link BlobStoreContract},
 * {@link MessageQueueContract}, {@link ChangeLogContract}) with a class that implements
 * {@link #openBackend}; every test then runs against it. The suites use the store only
 * through the role interfaces, never through SQL or files: a backend passes if it behaves.
 *
 * <p>Each test starts from an empty store ({@link #openStore()}) and may open further
 * instances on the same data, with other epochs ({@link #open(long)}), to check fencing
 * and durability across a reopen. Everything opened is closed after the test.
 */
public abstract class StoreContract {
    /**
     * A body size above every backend's inline limit in tests, so that both ways a body can
     * be kept (inline in the metadata, or in the blob store) are exercised. The embedded
     * backend's tests keep bodies inline up to 4096 bytes.
     */
    protected static final int LARGE = 256 * 1024 + 1;

    private final List<MailStore> opened = new ArrayList<>();

    /** The store of the test, once {@link #openStore()} ran. */
    protected MailStore store;

    /**
     * Opens an instance of the backend on this test's data (empty at the first call of the
     * test; the same data at every later call of the same test), writing with {@code epoch}.
     * Several instances may be open at once, like a paused former active beside its successor.
     */
    protected abstract MailStore openBackend(long epoch);

    /** Opens the test's store at epoch 1 (again, after a close: a restart) and makes it {@link #store}. */
    protected MailStore openStore() {
        store = open(1);
        return store;
    }

    /** Another instance on the test's data, writing with {@code epoch}; closed after the test. */
    protected MailStore open(long epoch) {
        MailStore s = openBackend(epoch);
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeStores() {
        for (MailStore s : opened) s.close();
    }

    protected static EmailAddress addr(String s) {
        return EmailAddress.parse(s);
    }

    protected Account account(String address) {
        return account(address, 0, 0);
    }

    protected Account account(String address, long quota, long maxMessage) {
        return store.addAccount(addr(address), "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", quota, maxMessage);
    }

    /** A message of {@code size} bytes whose content depends on {@code seed}. */
    protected static MessageData message(int size, String seed) {
        byte[] b = new byte[size];
        byte[] s = seed.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) b[i] = (byte) (s[i % s.length] + i / s.length);
        return MessageSpool.of(b);
    }

    protected DeliveryReceipt deliver(MessageData data, Account... to) {
        return store.deliver(new Delivery(Stream.of(to).map(Account::id).toList(), data, Instant.parse("2025-01-02T03:04:05Z")));
    }

    protected static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Listeners run after the caller has its answer, so a test waits for them (bounded). */
    protected static void awaitSize(Collection<?> c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (c.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(20); // and a moment more, to catch events that should not come
    }

    // ---- the backend's own bookkeeping, checked where the suite knows what it must be ----

    /** A backend may check that it holds {@code bodies} stored bodies now; the default checks nothing. */
    protected void assertBodies(String why, long bodies) { }

    /** A backend may check that the only stored body has {@code references} references; the default checks nothing. */
    protected void assertBodyReferences(String why, long references) { }

    /** A backend may check that {@code count} bodies are kept outside its metadata (files, objects); the default checks nothing. */
    protected void assertBodyFiles(long count) { }
    /**
     * A backend may check that it holds exactly {@code entries} message entries and as many
     * bodies, and that the accounts' and domains' usage adds up to the entries' sizes; the
     * default checks nothing.
     */
    protected void assertStoredEntries(long entries) { }

    /** Nothing was written since {@code changePosition}, and {@code entries} entries are all there is. */
    protected void assertNothingWrittenSince(long changePosition, long entries) {
        assertThat(store.lastChangePosition()).isEqualTo(changePosition);
        assertStoredEntries(entries);
    }
}
