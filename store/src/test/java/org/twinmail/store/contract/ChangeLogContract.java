package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.AccountChange;
import org.twinmail.store.Change;
import org.twinmail.store.Change.Kind;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.FlagChange;
import org.twinmail.store.MailStore;
import org.twinmail.store.StoreException;

/** The {@link org.twinmail.store.ChangeLog} role: one ordered log of every change, and the epoch fence. */
public abstract class ChangeLogContract extends StoreContract {

    @Test
    public void everyMutationIsLoggedInOrderWithItsSubject() {
        openStore();
        assertThat(store.lastChangePosition()).isZero();

        store.addDomain("example.com");
        store.setDomainQuota("example.com", 10_000);
        Account a = account("alice@example.com");
        store.updateAccount(addr("alice@example.com"), AccountChange.password("$argon2id$other"));
        store.addAlias("info@example.com", List.of(addr("alice@example.com")));
        DeliveryReceipt r = deliver(message(10, "m"), a);
        Mailbox inbox = store.mailbox(a.id(), "INBOX").orElseThrow();
        store.expunge(inbox.id(), List.of(1L));
        store.removeAlias("info@example.com");
        store.removeAccount(addr("alice@example.com"));
        store.removeDomain("example.com", false);
        store.fence(3);

        List<Change> log = store.changesSince(0, 1000);
        assertThat(log).extracting(Change::kind).containsExactly(
                Kind.DOMAIN_ADDED, Kind.DOMAIN_CHANGED,
                Kind.ACCOUNT_ADDED, Kind.MAILBOX_CREATED, Kind.MAILBOX_CREATED, Kind.MAILBOX_CREATED,
                Kind.MAILBOX_CREATED, Kind.MAILBOX_CREATED,
                Kind.ACCOUNT_CHANGED, Kind.ALIAS_ADDED, Kind.MESSAGE_ADDED, Kind.MESSAGE_EXPUNGED,
                Kind.ALIAS_REMOVED, Kind.ACCOUNT_REMOVED, Kind.DOMAIN_REMOVED, Kind.EPOCH_RAISED);
        for (int i = 1; i < log.size(); i++) assertThat(log.get(i).position()).isGreaterThan(log.get(i - 1).position());
        assertThat(log).allSatisfy(c -> assertThat(c.epoch()).isEqualTo(1));
        assertThat(log.getLast().position()).isEqualTo(store.lastChangePosition());

        assertThat(log.get(0).detail()).isEqualTo("example.com");
        assertThat(log.get(2).accountId()).isEqualTo(a.id());
        assertThat(log.get(2).detail()).isEqualTo("alice@example.com");
        assertThat(log.get(3).mailboxId()).isEqualTo(inbox.id());
        assertThat(log.get(3).detail()).isEqualTo("INBOX");
        Change added = log.get(10);
        assertThat(added.position()).isEqualTo(r.changePosition());
        assertThat(added.accountId()).isEqualTo(a.id());
        assertThat(added.mailboxId()).isEqualTo(inbox.id());
        assertThat(added.uid()).isEqualTo(1);
        Change expunged = log.get(11);
        assertThat(expunged.uid()).isEqualTo(1);
        assertThat(expunged.mailboxId()).isEqualTo(inbox.id());
        assertThat(log.getLast().detail()).isEqualTo("3");
    }

    @Test
    public void modSeqIsTheChangeLogPositionAndPagingWorks() {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        Account b = account("bob@example.com");
        DeliveryReceipt both = deliver(message(10, "both"), a, b);
        DeliveryReceipt onlyA = deliver(message(10, "a"), a);

        Mailbox inboxA = store.mailbox(a.id(), "INBOX").orElseThrow();
        Mailbox inboxB = store.mailbox(b.id(), "INBOX").orElseThrow();
        List<MessageEntry> entriesA = store.messages(inboxA.id());
        List<MessageEntry> entriesB = store.messages(inboxB.id());
        // one log row per recipient: each entry's MODSEQ is its own row's position
        List<Change> added = store.changesSince(0, 1000).stream().filter(c -> c.kind() == Kind.MESSAGE_ADDED).toList();
        assertThat(added).hasSize(3);
        assertThat(entriesA.get(0).modSeq()).isEqualTo(added.get(0).position());
        assertThat(entriesB.get(0).modSeq()).isEqualTo(added.get(1).position()).isEqualTo(both.changePosition());
        assertThat(entriesA.get(1).modSeq()).isEqualTo(added.get(2).position()).isEqualTo(onlyA.changePosition());
        assertThat(inboxA.highestModSeq()).isEqualTo(onlyA.changePosition());
        assertThat(inboxB.highestModSeq()).isEqualTo(both.changePosition());

        long last = store.lastChangePosition();
        List<Change> page1 = store.changesSince(0, 5);
        List<Change> page2 = store.changesSince(page1.getLast().position(), 5);
        assertThat(page1).hasSize(5);
        assertThat(page2.getFirst().position()).isGreaterThan(page1.getLast().position());
        assertThat(store.changesSince(last, 10)).isEmpty();
        assertThatThrownBy(() -> store.changesSince(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    public void refusedOperationsLeaveNoLogRows() {
        openStore();
        store.addDomain("example.com");
        long pos = store.lastChangePosition();
        assertThatThrownBy(() -> store.addDomain("example.com")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> store.removeAlias("nope@example.com")).isInstanceOf(RuntimeException.class);
        assertThat(store.lastChangePosition()).isEqualTo(pos);
    }

    @Test
    public void openingWithALowerEpochReadsButCannotWriteAndReopeningKeepsTheFence() {
        MailStore first = open(1);
        first.addDomain("example.com");
        first.fence(4); // an instance may fence past itself; then it is stale too
        assertThatThrownBy(() -> first.addDomain("x.example")).isInstanceOf(StoreException.StaleEpoch.class);
        first.close();

        MailStore low = open(3);
        assertThat(low.storedEpoch()).isEqualTo(4);
        assertThat(low.listDomains()).hasSize(1);
        assertThatThrownBy(() -> low.addDomain("x.example")).isInstanceOf(StoreException.StaleEpoch.class);

        MailStore high = open(9);
        assertThat(high.storedEpoch()).as("opening does not raise the epoch").isEqualTo(4);
        high.addDomain("x.example");
        assertThatThrownBy(() -> high.fence(3)).isInstanceOf(StoreException.Conflict.class).hasMessageContaining("lower");
        long pos = high.lastChangePosition();
        high.fence(4); // the current value: nothing to do
        assertThat(high.lastChangePosition()).isEqualTo(pos);
        assertThatThrownBy(() -> high.fence(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    public void aNewStoreStartsAtItsCreatorsEpoch() {
        MailStore s = open(7);
        assertThat(s.storedEpoch()).isEqualTo(7);
        assertThat(s.epoch()).isEqualTo(7);
        s.addDomain("example.com");
        assertThat(s.changesSince(0, 10).getFirst().epoch()).isEqualTo(7);
    }

    @Test
    public void afterAFenceTheOldEpochCannotWriteInAnyRoleButStillReads() {
        MailStore old = open(1);
        MailStore next = open(2);
        store = old;
        old.addDomain("example.com");
        Account alice = account("alice@example.com");
        long inbox = old.mailbox(alice.id(), "INBOX").orElseThrow().id();
        deliver(message(100, "before"), alice);
        next.fence(2);
        long position = next.lastChangePosition();

        List<Runnable> writes = List.of(
                () -> old.addDomain("x.example"),
                () -> old.updateAccount(alice.address(), new AccountChange(null, 5L, null, null)),
                () -> deliver(message(100, "late"), alice),
                () -> deliver(message(LARGE, "late and large"), alice),
                () -> old.createMailbox(alice.id(), "Late", null),
                () -> old.storeFlags(inbox, List.of(1L), FlagChange.ADD, Set.of("\\Seen"), -1),
                () -> old.expunge(inbox, List.of(1L)),
                () -> old.claimQueued(Instant.now(), 10),
                () -> old.fence(3));
        for (Runnable w : writes) assertThatThrownBy(w::run).isInstanceOf(StoreException.StaleEpoch.class);

        assertThat(next.lastChangePosition()).as("nothing of the old epoch was logged").isEqualTo(position);
        assertThat(next.messages(inbox)).singleElement().satisfies(e -> assertThat(e.flags()).isEmpty());
        assertThat(next.findAccount(alice.id()).orElseThrow().quotaBytes()).isZero();
        assertThat(old.listDomains()).as("a fenced instance still reads").hasSize(1);
        assertThat(old.storedEpoch()).isEqualTo(2);
    }

    // ---- durable consumers ----

    @Test
    public void aConsumerCursorStartsAtZeroAdvancesNeverMovesBackAndSurvivesAReopen() {
        openStore();
        store.addDomain("example.com");
        store.addDomain("example.net");
        long newest = store.lastChangePosition();
        assertThat(store.consumerPosition("sms")).isZero();
        store.advanceConsumer("sms", newest - 1);
        assertThat(store.consumerPosition("sms")).isEqualTo(newest - 1);
        store.advanceConsumer("sms", 0);
        assertThat(store.consumerPosition("sms")).as("a late, lower advance changes nothing").isEqualTo(newest - 1);
        assertThat(store.lastChangePosition()).as("moving a cursor is not a change").isEqualTo(newest);
        assertThatThrownBy(() -> store.advanceConsumer("sms", newest + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.consumerPosition("push")).as("cursors are per name").isZero();
        store.close();

        openStore();
        assertThat(store.consumerPosition("sms")).isEqualTo(newest - 1);
        assertThat(store.removeConsumer("sms")).isTrue();
        assertThat(store.removeConsumer("sms")).isFalse();
        assertThat(store.consumerPosition("sms")).isZero();
        for (String bad : new String[] {"", "with space", "x".repeat(101), "sl/ash", "\u00e9"}) {
            assertThatThrownBy(() -> store.consumerPosition(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    public void aFencedInstanceCannotMoveACursor() {
        MailStore old = open(1);
        MailStore next = open(2);
        old.addDomain("example.com");
        next.fence(2);
        assertThatThrownBy(() -> old.advanceConsumer("sms", 1)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThat(next.consumerPosition("sms")).isZero();
        next.advanceConsumer("sms", next.lastChangePosition());
        assertThat(old.consumerPosition("sms")).isEqualTo(next.lastChangePosition());
    }

    @Test
    public void awaitChangeReturnsAtOnceWhenBehindWakesOnACommitAndTimesOut() throws Exception {
        openStore();
        store.addDomain("example.com");
        long now = store.lastChangePosition();
        assertThat(store.awaitChange(now - 1, Duration.ofSeconds(30))).isEqualTo(now);
        long start = System.nanoTime();
        assertThat(store.awaitChange(now, Duration.ofMillis(100))).as("nothing new: the old position").isEqualTo(now);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());

        CompletableFuture<Long> woken = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                woken.complete(store.awaitChange(now, Duration.ofSeconds(30)));
            } catch (Throwable t) {
                woken.completeExceptionally(t);
            }
        });
        store.addDomain("example.net");
        long committed = System.nanoTime();
        assertThat(woken.get(30, TimeUnit.SECONDS)).isEqualTo(store.lastChangePosition()).isGreaterThan(now);
        assertThat(System.nanoTime() - committed).as("woken well within a second").isLessThan(Duration.ofSeconds(1).toNanos());
        waiter.join();
    }

    @Test
    public void aConsumerSeesEveryChangeInOrderAndResumesFromItsCursor() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        List<Long> seen = new CopyOnWriteArrayList<>();
        List<Change> messages = new CopyOnWriteArrayList<>();
        ChangeConsumer.Handler handler = batch -> {
            for (Change c : batch) {
                seen.add(c.position());
                if (c.kind() == Change.Kind.MESSAGE_ADDED) messages.add(c);
            }
        };
        try (ChangeConsumer consumer = ChangeConsumer.start(store, "recorder", 3, Duration.ofMillis(10), handler)) {
            for (int i = 0; i < 10; i++) deliver(message(50, "m" + i), alice);
            awaitPosition(consumer, store.lastChangePosition());
        }
        List<Long> all = store.changesSince(0, 1000).stream().map(Change::position).toList();
        assertThat(seen).isEqualTo(all);
        assertThat(store.consumerPosition("recorder")).isEqualTo(store.lastChangePosition());
        Mailbox inbox = store.mailbox(alice.id(), "INBOX").orElseThrow();
        assertThat(messages).hasSize(10).allSatisfy(c -> {
            assertThat(c.accountId()).isEqualTo(alice.id());
            assertThat(c.mailboxId()).isEqualTo(inbox.id());
        });
        assertThat(messages).extracting(Change::uid).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);

        // a new runner of the same consumer after a restart starts where the cursor is
        store.close();
        openStore();
        store.createMailbox(alice.id(), "Later", null);
        seen.clear();
        try (ChangeConsumer again = ChangeConsumer.start(store, "recorder", 100, Duration.ofMillis(10), handler)) {
            awaitPosition(again, store.lastChangePosition());
        }
        assertThat(seen).containsExactly(store.lastChangePosition());
    }

    @Test
    public void aGatheringConsumerHandsOverABusyLogInBatchesAtLeastTheGatherTimeApart() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        long gather = TimeUnit.MILLISECONDS.toNanos(800);
        List<long[]> calls = new CopyOnWriteArrayList<>(); // start, end, batch size
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (ChangeConsumer consumer = ChangeConsumer.start(store, "gatherer", 100, Duration.ofMillis(10), Duration.ofNanos(gather),
                batch -> {
                    long start = System.nanoTime();
                    for (Change c : batch) seen.add(c.position());
                    calls.add(new long[] {start, System.nanoTime(), batch.size()});
                })) {
            for (int i = 0; i < 8; i++) deliver(message(50, "m" + i), alice);
            awaitPosition(consumer, store.lastChangePosition());
        }
        assertThat(seen).isEqualTo(store.changesSince(0, 1000).stream().map(Change::position).toList());
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i)[0] - calls.get(i - 1)[1]).as("batch %d starts the gather time after the one before", i)
                    .isGreaterThanOrEqualTo(gather - TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(calls.size()).as("fewer batches than changes").isLessThan(seen.size());
    }

    @Test
    public void aFailingHandlerGetsTheSameBatchAgainAndTheCursorWaits() throws Exception {
        openStore();
        store.addDomain("example.com");
        store.addDomain("example.net");
        List<Long> firsts = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        try (ChangeConsumer consumer = ChangeConsumer.start(store, "flaky", 100, Duration.ofMillis(10), batch -> {
            firsts.add(batch.getFirst().position());
            if (calls.incrementAndGet() <= 2) {
                assertThat(store.consumerPosition("flaky")).isZero();
                throw new IllegalStateException("not now (injected)");
            }
        })) {
            awaitPosition(consumer, store.lastChangePosition());
        }
        assertThat(firsts).hasSizeGreaterThanOrEqualTo(3).allMatch(p -> p == firsts.getFirst());
        assertThat(store.consumerPosition("flaky")).isEqualTo(store.lastChangePosition());
    }

    private static void awaitPosition(ChangeConsumer consumer, long position) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.position() < position) {
            assertThat(System.nanoTime()).as("consumer reached %s in time", position).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
