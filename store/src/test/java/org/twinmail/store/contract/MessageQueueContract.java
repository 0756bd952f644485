package org.twinmail.store.contract;

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
import org.twinmail.store.MailStore;
import org.twinmail.store.Outbound;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.StoreException;

/** The {@link org.twinmail.store.MessageQueue} role: claims, outcomes, durability and fencing of the outbound queue. */
public abstract class MessageQueueContract extends StoreContract {
    protected static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    protected Outbound remote(String sender, String... to) {
        return new Outbound(sender, List.of(to).stream().map(StoreContract::addr).toList(), false, false);
    }

    protected DeliveryReceipt submit(MessageData content, Outbound outbound, Account... local) {
        return store.deliver(new Delivery(List.of(local).stream().map(Account::id).toList(), content, T0, outbound));
    }

    @Test
    public void busyDomainsAreSkippedByAClaim() {
        openStore();
        submit(message(100, "busy"), remote("a@x.example", "b@busy.example", "c@free.example", "d@Busy.example"));
        assertThat(store.claimQueued(T0, 10, List.of("busy.example"))).extracting(q -> q.recipient().toString())
                .containsExactly("c@free.example");
        assertThat(store.claimQueued(T0, 10, List.of())).extracting(q -> q.recipient().domain())
                .containsExactly("busy.example", "busy.example");
    }

    @Test
    public void theQueueSurvivesAReopenAndClaimsAreReleasedOnRequest() {
        openStore();
        long id = submit(message(LARGE, "durable"), remote("a@x.example", "b@remote.example")).queueId();
        assertThat(store.claimQueued(T0, 10)).hasSize(1);
        store.close();

        openStore();
        assertThat(store.claimQueued(T0, 10)).as("still claimed: the runner releases on start").isEmpty();
        assertThat(store.listQueue(10).getFirst().recipients().getFirst().active()).isTrue();
        assertThat(store.releaseQueueClaims()).isEqualTo(1);
        assertThat(store.claimQueued(T0, 10)).singleElement().satisfies(c -> assertThat(c.messageId()).isEqualTo(id));
    }

    @Test
    public void aFencedNodeCannotClaimOrRecord() {
        MailStore old = open(1);
        MailStore next = open(2);
        store = old;
        submit(message(100, "fenced"), remote("a@x.example", "b@remote.example"));
        next.fence(2);
        assertThatThrownBy(() -> old.claimQueued(T0, 10)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> submit(message(100, "late"), remote("a@x.example", "c@remote.example")))
                .isInstanceOf(StoreException.StaleEpoch.class);
        assertThat(next.queueStats().messages()).isEqualTo(1);
    }

    @Test
    void mixedLocalAndRemoteRecipientsAreOneCommitSharingOneBlob() {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        DeliveryReceipt r = submit(message(LARGE, "mixed"), remote("alice@example.com", "bob@remote.example",
                "BOB@remote.example", "carol@other.example"), alice);
        assertThat(r.placed()).hasSize(1);
        assertThat(r.queueId()).isPositive();
        assertBodyReferences("one for the INBOX entry, one for the queue", 2);
        assertThat(store.queueStats().recipients()).as("the same address twice is queued once").isEqualTo(2);
        assertThat(store.queueStats().oldestArrival()).contains(T0);

        List<QueueEntry> list = store.listQueue(10);
        assertThat(list).hasSize(1);
        assertThat(list.getFirst().sender()).isEqualTo("alice@example.com");
        assertThat(list.getFirst().recipients()).extracting(QueueEntry.Recipient::address)
                .containsExactly("bob@remote.example", "carol@other.example");
    }

    @Test
    void aRedirectIsItsOwnQueuedMessageWithItsSenderAndFieldsInTheSameCommit() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        MessageData content = message(100, "redirected");
        Delivery d = new Delivery(content, T0, List.of(Delivery.Recipient.inbox(alice.id())), null,
                List.of(new Delivery.Redirect(remote("SRS0=abcd=AB=orig.example=x@example.com", "bob@remote.example"),
                        List.of("Delivered-To: alice@example.com"))));
        DeliveryReceipt r = store.deliver(d);
        assertThat(r.placed()).hasSize(1);
        List<QueuedRecipient> due = store.claimQueued(T0, 10);
        assertThat(due).singleElement().satisfies(q -> {
            assertThat(q.sender()).isEqualTo("SRS0=abcd=AB=orig.example=x@example.com");
            assertThat(q.recipient().toString()).isEqualTo("bob@remote.example");
        });
        String queued = new String(readAll(store.openBlob(due.getFirst().blobId())), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(queued).startsWith("Delivered-To: alice@example.com\r\n");
        assertThat(queued.substring(queued.indexOf("\r\n") + 2)).isEqualTo(new String(readAll(content.open()),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    public void aRefusedLocalPartQueuesNothing() {
        openStore();
        store.addDomain("example.com");
        Account full = account("full@example.com", 10, 0);
        assertThatThrownBy(() -> submit(message(100, "too big"), remote("full@example.com", "bob@remote.example"), full))
                .isInstanceOf(StoreException.QuotaExceeded.class);
        assertThat(store.queueStats().messages()).isZero();
        assertBodies("none left", 0);
    }

    @Test
    public void claimDeferDoneAndTheBlobGoesWithTheLastRecipient() {
        openStore();
        DeliveryReceipt r = submit(message(LARGE, "queued"), remote("", "bob@remote.example", "carol@other.example"));
        assertBodyFiles(1);

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
        assertBodies("none left", 0);
        assertBodyFiles(0);
    }

    @Test
    public void aBounceIsDeliveredInTheSameTransactionAsTheOutcome() {
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
        assertBodies("the original's blob went, the DSN's stays", 1);
    }

    @Test
    public void retryMakesWaitingRecipientsDueAndDeleteRemovesTheMessage() {
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
        assertBodies("none left", 0);
    }
}
