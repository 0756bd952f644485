package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.StoreException;

class GroupCommitTest extends StoreFixture {

    private DistributionSummary batches() {
        return registry.get("twinmail.store.commit.batch").summary();
    }

    @Test
    void concurrentDeliveriesShareCommits() throws Exception {
        openStore();
        store.addDomain("example.com");
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < 10; i++) accounts.add(account("user" + i + "@example.com"));
        long commitsBefore = batches().count();
        double opsBefore = batches().totalAmount();

        List<Future<DeliveryReceipt>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                Account to = accounts.get(i % accounts.size());
                int n = i;
                // every fifth message is large enough to be a file: its fsync runs in the caller's thread
                int size = n % 5 == 0 ? (int) INLINE_MAX + 100 : 200;
                results.add(threads.submit(() -> deliver(message(size, "concurrent " + n), to)));
            }
        }
        for (Future<DeliveryReceipt> f : results) assertThat(f.get().placed()).hasSize(1);

        long commits = batches().count() - commitsBefore;
        System.out.println("200 deliveries: " + commits + " commits, largest batch " + batches().max());
        assertThat(batches().totalAmount() - opsBefore).isEqualTo(200);
        assertThat(commits).as("commits for 200 concurrent deliveries").isLessThan(100);
        assertThat(batches().max()).isGreaterThan(1);
        assertThat(registry.get("twinmail.store.commit").timer().count()).isGreaterThanOrEqualTo(commits);
        assertThat(registry.get("twinmail.store.deliveries").tag("outcome", "delivered").counter().count()).isEqualTo(200);
        assertThat(registry.get("twinmail.store.delivered.entries").counter().count()).isEqualTo(200);

        // every account has gapless UIDs 1..20: no two deliveries got the same UID
        for (Account a : accounts) {
            List<MessageEntry> entries = store.messages(store.mailbox(a.id(), "INBOX").orElseThrow().id());
            assertThat(entries).extracting(MessageEntry::uid).containsExactlyElementsOf(
                    java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
            assertThat(store.findAccount(a.id()).orElseThrow().messageCount()).isEqualTo(20);
        }
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(200);
        assertThat(blobFileCount()).isEqualTo(40);
    }

    @Test
    void queuedWritesGoIntoOneTransactionAndAFailingOneRollsBackAlone() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account roomy = account("roomy@example.com");
        Account full = account("full@example.com", 100, 0);
        WriterGate gate = holdWriterOnNextChange();
        deliver(message(10, "holds the writer"), roomy);
        gate.awaitHeld();
        long commitsBefore = batches().count();

        List<Future<?>> ok = new ArrayList<>();
        Future<?> refused;
        Future<?> duplicate;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                int n = i;
                ok.add(threads.submit(() -> deliver(message(10, "ok " + n), roomy)));
            }
            awaitQueued(registry, 10);
            refused = threads.submit(() -> deliver(message(500, "too big for full"), full));
            awaitQueued(registry, 11);
            duplicate = threads.submit(() -> store.addDomain("example.com"));
            awaitQueued(registry, 12);
            for (int i = 0; i < 3; i++) {
                String name = "d" + i + ".example";
                ok.add(threads.submit(() -> store.addDomain(name)));
            }
            awaitQueued(registry, 15);
            gate.open();
        }
        for (Future<?> f : ok) f.get();
        assertThatCause(refused, StoreException.QuotaExceeded.class);
        assertThatCause(duplicate, StoreException.Conflict.class);

        assertThat(batches().count() - commitsBefore).as("one commit for all 15 queued writes").isEqualTo(1);
        assertThat(batches().max()).isEqualTo(15);
        assertThat(store.findAccount(roomy.id()).orElseThrow().messageCount()).isEqualTo(11);
        assertThat(store.findAccount(full.id()).orElseThrow().usedBytes()).isZero();
        assertThat(store.listDomains()).hasSize(4);
        assertThat(registry.get("twinmail.store.deliveries").tag("outcome", "refused").counter().count()).isEqualTo(1);
    }

    @Test
    void aFailedCommitFailsEveryOperationOfTheBatchAndWritesNothing() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        WriterGate gate = holdWriterOnNextChange();
        deliver(message(10, "holds the writer"), a);
        gate.awaitHeld();
        long position = store.lastChangePosition();
        AtomicInteger commitsFailed = new AtomicInteger();
        store.writer().beforeCommit(() -> {
            if (commitsFailed.getAndIncrement() == 0) throw new SQLException("disk I/O error (injected)");
        });

        List<Future<?>> batch = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            batch.add(threads.submit(() -> deliver(message((int) INLINE_MAX + 1, "file"), a)));
            batch.add(threads.submit(() -> deliver(message(10, "inline"), a)));
            awaitQueued(registry, 2);
            batch.add(threads.submit(() -> store.addDomain("new.example")));
            awaitQueued(registry, 3);
            gate.open();
        }
        for (Future<?> f : batch) assertThatCause(f, StoreException.Unavailable.class);
        assertThat(store.lastChangePosition()).isEqualTo(position);
        assertThat(store.findAccount(a.id()).orElseThrow().messageCount()).isEqualTo(1);
        assertThat(store.findDomain("new.example")).isEmpty();
        assertThat(blobFileCount()).as("the file written for the lost delivery is removed").isZero();
        assertThat(registry.get("twinmail.store.commit.failures").counter().count()).isEqualTo(1);

        // the writer carries on
        store.addDomain("new.example");
        assertThat(store.findDomain("new.example")).isPresent();
    }

    /**
     * ext4 can return 0 from the WAL's fsync for a commit that never reached the disk when the
     * filesystem fails while the fsync runs, and refuses every write from then on (see
     * CommitWitness). A commit after which the volume refuses a write is therefore never
     * acknowledged: here the witness writes to /dev/full, whose every write the kernel refuses.
     */
    @Test
    void aCommitAfterWhichTheVolumeRefusesAWriteIsNotAcknowledged() throws Exception {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "needs /dev/full");
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        assertThat(dataDir.resolve("store").resolve(CommitWitness.FILE)).as("the witness sits beside the database").exists();
        store.writer().witness(CommitWitness.open(full));

        List<Future<?>> batch = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            batch.add(threads.submit(() -> deliver(message((int) INLINE_MAX + 1, "file"), a)));
            batch.add(threads.submit(() -> deliver(message(10, "inline"), a)));
        }
        for (Future<?> f : batch) {
            assertThatCause(f, StoreException.Unavailable.class);
            assertThatThrownBy(f::get).hasMessageContaining("not known to be stored").hasMessageContaining("refused a write");
        }
        assertThat(registry.get("twinmail.store.commit.failures").counter().count()).isGreaterThanOrEqualTo(1);

        // a volume that takes writes again: acknowledged as before
        store.writer().witness(CommitWitness.open(dataDir.resolve("store").resolve(CommitWitness.FILE)));
        assertThat(deliver(message(10, "after"), a).placed()).hasSize(1);
    }

    @Test
    void contentFreedAndDeliveredAgainInOneBatchKeepsItsFile() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        MessageData m = message((int) INLINE_MAX + 1, "freed and back");
        deliver(m, a);
        long inbox = store.mailbox(a.id(), "INBOX").orElseThrow().id();
        WriterGate gate = holdWriterOnNextChange();
        deliver(message(10, "holds the writer"), a);
        gate.awaitHeld();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> expunge = threads.submit(() -> store.expunge(inbox, List.of(1L)));
            awaitQueued(registry, 1);
            Future<?> again = threads.submit(() -> deliver(m, a));
            awaitQueued(registry, 2);
            gate.open();
            expunge.get();
            again.get();
        }
        assertThat(blobFile(m.sha256())).exists();
        assertThat(readAll(store.openBlob(m.sha256()))).isEqualTo(m.bytes());
    }

    @Test
    void aFileDeletedBetweenPrepareAndCommitIsWrittenAgain() throws Exception {
        registry = new SimpleMeterRegistry();
        // one operation per transaction, so the expunge commits and deletes the file
        // after the delivery's caller found it on disk but before the delivery runs
        store = open(new StoreOptions(dataDir, 1, 1, INLINE_MAX, 2, registry));
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        MessageData m = message((int) INLINE_MAX + 1, "vanishing");
        deliver(m, a);
        long inbox = store.mailbox(a.id(), "INBOX").orElseThrow().id();
        WriterGate gate = holdWriterOnNextChange();
        deliver(message(10, "holds the writer"), a);
        gate.awaitHeld();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> expunge = threads.submit(() -> store.expunge(inbox, List.of(1L)));
            awaitQueued(registry, 1);
            Future<DeliveryReceipt> again = threads.submit(() -> deliver(m, a));
            awaitQueued(registry, 2);
            gate.open();
            expunge.get();
            assertThat(again.get().placed()).hasSize(1);
        }
        assertThat(blobFile(m.sha256())).exists();
        assertThat(sqlLong("SELECT in_file FROM blob WHERE sha256 = '" + m.sha256() + "'")).isEqualTo(1);
        assertThat(readAll(store.openBlob(m.sha256()))).isEqualTo(m.bytes());
    }

    @Test
    void listenersHearAfterTheCommitAndOnlyOfWhatCommitted() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        Account b = account("bob@example.com", 50, 0);
        List<StoreEvent> events = new CopyOnWriteArrayList<>();
        List<Long> visibleWhenHeard = new CopyOnWriteArrayList<>();
        store.addListener(e -> {
            events.add(e);
            // a separate connection sees the entry already: the event came after the commit
            visibleWhenHeard.add(sqlLong("SELECT count(*) FROM message"));
        });

        DeliveryReceipt r = deliver(message(20, "to both"), a, b);
        try {
            deliver(message(40, "b is full now"), b);
        } catch (StoreException.QuotaExceeded expected) {
            // refused: no event
        }
        var inboxA = store.mailbox(a.id(), "INBOX").orElseThrow();
        store.expunge(inboxA.id(), List.of(1L));

        awaitSize(events, 3);
        assertThat(events).containsExactly(
                new StoreEvent.MessagesAdded(a.id(), r.placed().get(0).mailboxId(), r.changePosition() - 1),
                new StoreEvent.MessagesAdded(b.id(), r.placed().get(1).mailboxId(), r.changePosition()),
                new StoreEvent.MailboxChanged(a.id(), inboxA.id(), store.lastChangePosition()));
        assertThat(visibleWhenHeard).containsExactly(2L, 2L, 1L);
    }

    @Test
    void aThrowingListenerDoesNotHurtTheWriter() throws InterruptedException {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        Set<Long> heard = ConcurrentHashMap.newKeySet();
        store.addListener(e -> { throw new IllegalStateException("listener bug"); });
        store.addListener(e -> heard.add(((StoreEvent.MessagesAdded) e).changePosition()));
        DeliveryReceipt r1 = deliver(message(10, "one"), a);
        DeliveryReceipt r2 = deliver(message(10, "two"), a);
        awaitSize(heard, 2);
        assertThat(heard).containsExactlyInAnyOrder(r1.changePosition(), r2.changePosition());
        Timer t = registry.get("twinmail.store.commit").timer();
        assertThat(t.count()).isPositive();
    }

    @Test
    void aListenerThatWritesIsRefusedInsteadOfDeadlocking() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        store.addListener(e -> {
            try {
                store.addDomain("from-listener.example");
            } catch (IllegalStateException expected) {
                refused.add(expected);
            }
        });
        deliver(message(10, "x"), a);
        awaitSize(refused, 1);
        assertThat(refused).singleElement().extracting(Throwable::getMessage).asString().contains("must not write");
        assertThat(store.findDomain("from-listener.example")).isEmpty();
        store.addDomain("after.example"); // the writer is alive
    }

    private static void assertThatCause(Future<?> f, Class<? extends Throwable> type) {
        try {
            f.get();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(type);
            return;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected " + type.getSimpleName());
    }
}
