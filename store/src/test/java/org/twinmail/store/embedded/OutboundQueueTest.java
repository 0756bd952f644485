package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.Outbound;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.StoreException;

/** The outbound queue (schema version 4): one transaction with local delivery, claims, outcomes, blob references. */
class OutboundQueueTest extends StoreFixture {
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    Outbound remote(String sender, String... to) {
        return new Outbound(sender, List.of(to).stream().map(StoreFixture::addr).toList(), false, false);
    }

    DeliveryReceipt submit(MessageData content, Outbound outbound, Account... local) {
        return store.deliver(new Delivery(List.of(local).stream().map(Account::id).toList(), content, T0, outbound));
    }

    @Test
    void mixedLocalAndRemoteRecipientsAreOneCommitSharingOneBlob() {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        DeliveryReceipt r = submit(message((int) INLINE_MAX * 2, "mixed"), remote("alice@example.com", "bob@remote.example",
                "BOB@remote.example", "carol@other.example"), alice);
        assertThat(r.placed()).hasSize(1);
        assertThat(r.queueId()).isPositive();
        assertThat(sqlLong("SELECT refs FROM blob")).as("one for the INBOX entry, one for the queue").isEqualTo(2);
        assertThat(store.queueStats().recipients()).as("the same address twice is queued once").isEqualTo(2);
        assertThat(store.queueStats().oldestArrival()).contains(T0);

        List<QueueEntry> list = store.listQueue(10);
        assertThat(list).hasSize(1);
        assertThat(list.getFirst().sender()).isEqualTo("alice@example.com");
        assertThat(list.getFirst().recipients()).extracting(QueueEntry.Recipient::address)
                .containsExactly("bob@remote.example", "carol@other.example");
    }

    @Test
    void aRefusedLocalPartQueuesNothing() {
        openStore();
        store.addDomain("example.com");
        Account full = account("full@example.com", 10, 0);
        assertThatThrownBy(() -> submit(message(100, "too big"), remote("full@example.com", "bob@remote.example"), full))
                .isInstanceOf(StoreException.QuotaExceeded.class);
        assertThat(store.queueStats().messages()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
    }

    @Test
    void claimDeferDoneAndTheBlobGoesWithTheLastRecipient() {
        openStore();
        DeliveryReceipt r = submit(message((int) INLINE_MAX * 2, "queued"), remote("", "bob@remote.example", "carol@other.example"));
        assertThat(blobFileCount()).isEqualTo(1);

        List<QueuedRecipient> due = store.claimQueued(T0, 10);
        assertThat(due).hasSize(2);
        assertThat(due.getFirst().sender()).isEmpty();
        assertThat(due.getFirst().blobId()).isEqualTo(r.blobId());
        assertThat(store.claimQueued(T0.plusSeconds(3600), 10)).as("claimed recipients are not handed out twice").isEmpty();

        QueuedRecipient bob = due.get(0);
        QueuedRecipient carol = due.get(1);
        store.recordQueueOutcomes(List.of(new QueueOutcome.Done(bob.id()),
                new QueueOutcome.Deferred(carol.id(), T0.plusSeconds(300), "451 4.7.1 try later", false)), null);
        assertThat(store.claimQueued(T0.plusSeconds(299), 10)).isEmpty();
        List<QueuedRecipient> again = store.claimQueued(T0.plusSeconds(300), 10);
        assertThat(again).singleElement().satisfies(c -> {
            assertThat(c.attempts()).isEqualTo(1);
            assertThat(c.lastReply()).isEqualTo("451 4.7.1 try later");
        });
        store.recordQueueOutcomes(List.of(new QueueOutcome.Done(carol.id())), null);
        assertThat(store.queueStats().messages()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
        assertThat(blobFileCount()).isZero();
    }

    @Test
    void aBounceIsDeliveredInTheSameTransactionAsTheOutcome() {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        submit(message(100, "original"), remote("alice@example.com", "bob@remote.example"));
        QueuedRecipient bob = store.claimQueued(T0, 10).getFirst();
        DeliveryReceipt dsn = store.recordQueueOutcomes(List.of(new QueueOutcome.Done(bob.id())),
                new Delivery(List.of(alice.id()), message(200, "dsn"), T0));
        assertThat(dsn.placed()).hasSize(1);
        assertThat(store.queueStats().messages()).isZero();
        assertThat(store.messages(store.mailbox(alice.id(), "INBOX").orElseThrow().id())).hasSize(1);
        assertThat(sqlLong("SELECT count(*) FROM blob")).as("the original's blob went, the DSN's stays").isEqualTo(1);
    }

    @Test
    void retryMakesWaitingRecipientsDueAndDeleteRemovesTheMessage() {
        openStore();
        long id = submit(message(100, "retry"), remote("a@x.example", "b@remote.example")).queueId();
        QueuedRecipient b = store.claimQueued(T0, 10).getFirst();
        store.recordQueueOutcomes(List.of(new QueueOutcome.Deferred(b.id(), T0.plus(Duration.ofHours(1)), "timeout", false)), null);
        assertThat(store.retryQueued(id, T0)).isEqualTo(1);
        assertThat(store.claimQueued(T0, 10)).hasSize(1);
        assertThat(store.deleteQueued(id)).isTrue();
        assertThat(store.deleteQueued(id)).isFalse();
        // the runner's late outcome for a deleted recipient is ignored
        store.recordQueueOutcomes(List.of(new QueueOutcome.Done(b.id())), null);
        assertThat(store.queueStats().messages()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
    }

}
