package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoreException.QuotaExceeded;
import org.twinmail.store.StoreException.QuotaExceeded.Reason;
import org.twinmail.store.StoreException.QuotaExceeded.Refusal;

/** The {@link org.twinmail.store.Mailboxes} role: delivery into local accounts, quotas checked in its transaction. */
public abstract class DeliveryContract extends StoreContract {

    @BeforeEach
    public void setUp() {
        openStore();
        store.addDomain("example.com");
        store.addDomain("other.example");
    }

    protected Mailbox inbox(Account a) {
        return store.mailbox(a.id(), "INBOX").orElseThrow();
    }

    @Test
    public void entriesGetAscendingUidsEmptyFlagsAndTheCountersMove() {
        Account a = account("alice@example.com");
        Instant when = Instant.parse("2025-01-02T03:04:05Z");
        DeliveryReceipt r1 = deliver(message(100, "one"), a);
        DeliveryReceipt r2 = deliver(message(200, "two"), a);
        DeliveryReceipt r3 = deliver(message(300, "three"), a, a); // the same account twice gets one copy

        assertThat(r3.placed()).hasSize(1);
        List<MessageEntry> entries = store.messages(inbox(a).id());
        assertThat(entries).extracting(MessageEntry::uid).containsExactly(1L, 2L, 3L);
        assertThat(entries).extracting(MessageEntry::size).containsExactly(100L, 200L, 300L);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.flags()).isEmpty();
            assertThat(e.internalDate()).isEqualTo(when);
        });
        assertThat(entries).extracting(MessageEntry::modSeq).containsExactly(r1.changePosition(), r2.changePosition(), r3.changePosition());
        Mailbox box = inbox(a);
        assertThat(box.uidNext()).isEqualTo(4);
        assertThat(box.messageCount()).isEqualTo(3);
        assertThat(box.sizeBytes()).isEqualTo(600);
        assertThat(box.highestModSeq()).isEqualTo(r3.changePosition());
        assertThat(store.findAccount(a.id()).orElseThrow().usedBytes()).isEqualTo(600);
    }

    @Test
    public void allRefusalsAreReportedTogether() {
        store.setDomainQuota("other.example", 10);
        Account tiny = account("tiny@example.com", 50, 40);
        Account d = account("d@other.example");
        assertThatThrownBy(() -> deliver(message(60, "x"), tiny, d))
                .isInstanceOfSatisfying(QuotaExceeded.class, e -> assertThat(e.refusals()).containsExactly(
                        new Refusal(tiny.id(), Reason.MESSAGE_TOO_BIG), new Refusal(tiny.id(), Reason.ACCOUNT_FULL),
                        new Refusal(d.id(), Reason.DOMAIN_FULL)));
    }

    @Test
    void accountQuotaRefusesAndNothingIsWritten() {
        Account full = account("full@example.com", 1000, 0);
        Account roomy = account("roomy@example.com");
        deliver(message(900, "first"), full);
        long changes = store.lastChangePosition();

        assertThatThrownBy(() -> deliver(message(101, "second"), roomy, full))
                .isInstanceOfSatisfying(QuotaExceeded.class, e ->
                        assertThat(e.refusals()).containsExactly(new Refusal(full.id(), Reason.ACCOUNT_FULL)));
        assertNothingWrittenSince(changes, 1);
        assertThat(store.messages(inbox(roomy).id())).isEmpty();
        assertThat(store.findAccount(full.id()).orElseThrow().usedBytes()).isEqualTo(900);

        deliver(message(100, "exactly full"), full); // used + size == quota is allowed
        assertThat(store.findAccount(full.id()).orElseThrow().usedBytes()).isEqualTo(1000);
    }

    @Test
    public void messageSizeLimitRefuses() {
        Account small = account("small@example.com", 0, 500);
        Account other = account("other@example.com");
        long changes = store.lastChangePosition();
        assertThatThrownBy(() -> deliver(message(LARGE, "too big"), other, small))
                .isInstanceOfSatisfying(QuotaExceeded.class, e ->
                        assertThat(e.refusals()).containsExactly(new Refusal(small.id(), Reason.MESSAGE_TOO_BIG)));
        assertNothingWrittenSince(changes, 0);
        assertBodyFiles(0);
    }

    @Test
    public void domainQuotaCountsWhatThisDeliveryAddsForAllItsRecipients() {
        store.setDomainQuota("example.com", 1000);
        Account a = account("a@example.com");
        Account b = account("b@example.com");
        Account c = account("c@other.example");
        deliver(message(400, "fits"), a);
        long changes = store.lastChangePosition();

        // 400 used + 2 x 400 new > 1000, though each copy alone would fit
        assertThatThrownBy(() -> deliver(message(400, "two copies"), a, b, c))
                .isInstanceOfSatisfying(QuotaExceeded.class, e -> assertThat(e.refusals()).containsExactly(
                        new Refusal(a.id(), Reason.DOMAIN_FULL), new Refusal(b.id(), Reason.DOMAIN_FULL)));
        assertNothingWrittenSince(changes, 1);
        assertThat(store.messages(inbox(c).id())).isEmpty();

        deliver(message(300, "one copy"), b);
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isEqualTo(700);
    }

    @Test
    public void unknownAccountFailsTheWholeDelivery() {
        Account a = account("alice@example.com");
        assertThatThrownBy(() -> store.deliver(new Delivery(List.of(a.id(), 999_999L), message(10, "x"), Instant.now())))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("account 999999 does not exist");
        assertStoredEntries(0);
    }

    // ---- per-recipient delivery: target mailbox, flags, prepended header fields ----

    private static final Instant ARRIVAL = Instant.parse("2025-01-02T03:04:05Z");

    private DeliveryReceipt deliverTo(MessageData content, Delivery.Recipient... recipients) {
        return store.deliver(new Delivery(content, ARRIVAL, List.of(recipients), null));
    }

    private Mailbox mailbox(Account a, String name) {
        return store.mailbox(a.id(), name).orElseThrow();
    }

    @Test
    public void aRecipientCanBeFiledIntoJunkAsSeenWhileAnotherGetsItInItsInbox() {
        Account alice = account("alice@example.com");
        Account bob = account("bob@example.com");
        DeliveryReceipt r = deliverTo(message(300, "spammy"),
                Delivery.Recipient.inbox(alice.id()).into(SpecialUse.JUNK).withFlags(Set.of("\\Seen")),
                Delivery.Recipient.inbox(bob.id()));

        Mailbox junk = mailbox(alice, "Junk");
        assertThat(store.messages(junk.id())).singleElement().satisfies(e -> assertThat(e.flags()).containsExactly("\\Seen"));
        assertThat(store.messages(inbox(alice).id())).isEmpty();
        assertThat(store.status(junk.id()).unseen()).isZero();
        assertThat(store.messages(inbox(bob).id())).singleElement().satisfies(e -> assertThat(e.flags()).isEmpty());
        assertThat(r.placed()).extracting(DeliveryReceipt.Placed::mailboxId).containsExactly(junk.id(), inbox(bob).id());
        assertThat(store.findAccount(alice.id()).orElseThrow().messageCount()).isEqualTo(1);
    }

    @Test
    public void keywordsAndSystemFlagsAreSetAsGivenInAnyCase() {
        Account alice = account("alice@example.com");
        deliverTo(message(100, "keywords"), Delivery.Recipient.inbox(alice.id()).withFlags(Set.of("$Junk", "Work", "\\flagged")));
        assertThat(store.messages(inbox(alice).id())).singleElement()
                .satisfies(e -> assertThat(e.flags()).containsExactlyInAnyOrder("$Junk", "Work", "\\Flagged"));
        assertThatThrownBy(() -> deliverTo(message(100, "bad flag"), Delivery.Recipient.inbox(alice.id()).withFlags(Set.of("\\Bogus"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.messages(inbox(alice).id())).hasSize(1);
    }

    /** A Sieve script filing into several mailboxes (fileinto :copy): one copy per mailbox, counted against the quota together. */
    @Test
    public void anAccountGetsACopyInEachOfItsTargetMailboxesOnceAndTheQuotaCountsThemAll() {
        Account alice = account("alice@example.com", 300, 0); // room for the three copies exactly
        store.createMailbox(alice.id(), "A", null);
        store.createMailbox(alice.id(), "B", null);
        Delivery.Recipient inbox = Delivery.Recipient.inbox(alice.id());
        DeliveryReceipt r = deliverTo(message(100, "three places"), inbox.intoMailbox("A"), inbox.intoMailbox("B"), inbox,
                inbox.intoMailbox("A"), inbox.intoMailbox("inbox"));
        assertThat(r.placed()).as("A, B and INBOX once each").hasSize(3);
        assertThat(store.messages(mailbox(alice, "A").id())).hasSize(1);
        assertThat(store.messages(mailbox(alice, "B").id())).hasSize(1);
        assertThat(store.messages(inbox(alice).id())).hasSize(1);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(300);
        // 150 bytes hold one copy of 100, not two: refused, once for the account
        Account bob = account("bob@example.com", 150, 0);
        store.createMailbox(bob.id(), "A", null);
        Delivery.Recipient bobs = Delivery.Recipient.inbox(bob.id());
        assertThatThrownBy(() -> deliverTo(message(100, "two copies"), bobs, bobs.intoMailbox("A")))
                .isInstanceOfSatisfying(StoreException.QuotaExceeded.class, e -> assertThat(e.refusals()).containsExactly(
                        new StoreException.QuotaExceeded.Refusal(bob.id(), StoreException.QuotaExceeded.Reason.ACCOUNT_FULL)));
        assertThat(store.messages(inbox(bob).id())).isEmpty();
    }

    @Test
    public void aTargetByNameIsUsedAndAMissingTargetFallsBackToInbox() {
        Account alice = account("alice@example.com");
        store.createMailbox(alice.id(), "Lists/Java", null);
        store.deleteMailbox(alice.id(), "Junk");
        deliverTo(message(100, "to a folder"), Delivery.Recipient.inbox(alice.id()).intoMailbox("Lists/Java"));
        deliverTo(message(100, "to nowhere"), Delivery.Recipient.inbox(alice.id()).intoMailbox("No/Such"));
        deliverTo(message(100, "to a deleted junk"), Delivery.Recipient.inbox(alice.id()).into(SpecialUse.JUNK));
        assertThat(store.messages(mailbox(alice, "Lists/Java").id())).hasSize(1);
        assertThat(store.messages(inbox(alice).id())).hasSize(2);
        assertThat(store.mailbox(alice.id(), "No/Such")).as("a missing target is not created").isEmpty();
    }

    @Test
    public void prependedHeaderFieldsAreSeenOnlyByTheirRecipientAndEveryoneElseSharesOneBody() throws Exception {
        Account alice = account("alice@example.com");
        Account bob = account("bob@example.com");
        Account carol = account("carol@other.example");
        MessageData original = message(LARGE, "shared");
        String field = "Authentication-Results: mx.example.com;\r\n\tspf=pass smtp.mailfrom=example.net";
        DeliveryReceipt r = deliverTo(original, Delivery.Recipient.inbox(alice.id()).withHeaderFields(List.of(field, "X-Spam-Score: 7.5")),
                Delivery.Recipient.inbox(bob.id()), Delivery.Recipient.inbox(carol.id()));

        assertThat(r.blobId()).isEqualTo(original.sha256());
        MessageEntry a = store.messages(inbox(alice).id()).getFirst();
        MessageEntry b = store.messages(inbox(bob).id()).getFirst();
        MessageEntry c = store.messages(inbox(carol).id()).getFirst();
        byte[] prefix = (field + "\r\nX-Spam-Score: 7.5\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] alices = readAll(store.openBlob(a.blobId()));
        assertThat(Arrays.copyOfRange(alices, 0, prefix.length)).isEqualTo(prefix);
        assertThat(Arrays.copyOfRange(alices, prefix.length, alices.length)).isEqualTo(original.bytes());
        assertThat(a.size()).isEqualTo(original.size() + prefix.length);
        assertThat(b.blobId()).as("the common case keeps one body").isEqualTo(original.sha256()).isEqualTo(c.blobId());
        assertThat(readAll(store.openBlob(b.blobId()))).isEqualTo(original.bytes());
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(original.size() + prefix.length);
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isEqualTo(2 * original.size() + prefix.length);
    }

    @Test
    public void aRewrittenHeaderReplacesTheOriginalsForItsRecipientOnly() throws Exception {
        Account alice = account("alice@example.com");
        Account bob = account("bob@example.com");
        String text = "Received: from a by b; Mon, 7 Dec 2026 09:00:00 +0000\r\nX-Spam: yes\r\nSubject: hi\r\n\r\nthe body\r\n";
        MessageData original = org.twinmail.core.mail.MessageSpool.of(text.getBytes(StandardCharsets.UTF_8));
        int blank = text.indexOf("\r\n\r\n") + 2;
        byte[] header = "X-Edited: 1\r\nReceived: from a by b; Mon, 7 Dec 2026 09:00:00 +0000\r\nSubject: hi\r\n".getBytes(StandardCharsets.UTF_8);
        deliverTo(original, Delivery.Recipient.inbox(alice.id()).withHeaderFields(List.of("Authentication-Results: x; none"))
                .withRewrite(new Delivery.HeaderRewrite(header, blank)), Delivery.Recipient.inbox(bob.id()));
        MessageEntry a = store.messages(inbox(alice).id()).getFirst();
        String alices = new String(readAll(store.openBlob(a.blobId())), StandardCharsets.UTF_8);
        assertThat(alices).isEqualTo("Authentication-Results: x; none\r\nX-Edited: 1\r\nReceived: from a by b; Mon, 7 Dec 2026 09:00:00 +0000\r\n"
                + "Subject: hi\r\n\r\nthe body\r\n");
        assertThat(a.size()).isEqualTo(alices.length());
        MessageEntry b = store.messages(inbox(bob).id()).getFirst();
        assertThat(readAll(store.openBlob(b.blobId()))).isEqualTo(original.bytes());
        assertThatThrownBy(() -> new Delivery.HeaderRewrite("X: no line break".getBytes(StandardCharsets.UTF_8), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    public void recipientsWithTheSameHeaderFieldsShareTheirBody() throws Exception {
        Account alice = account("alice@example.com");
        Account bob = account("bob@example.com");
        List<String> fields = List.of("X-Spam-Status: No");
        deliverTo(message(200, "same fields"), Delivery.Recipient.inbox(alice.id()).withHeaderFields(fields),
                Delivery.Recipient.inbox(bob.id()).withHeaderFields(fields));
        MessageEntry a = store.messages(inbox(alice).id()).getFirst();
        MessageEntry b = store.messages(inbox(bob).id()).getFirst();
        assertThat(a.blobId()).isEqualTo(b.blobId()).isNotEqualTo(message(200, "same fields").sha256());
        assertThat(new String(readAll(store.openBlob(a.blobId())), StandardCharsets.UTF_8)).startsWith("X-Spam-Status: No\r\n");
        // expunging one copy keeps the other readable
        store.expunge(inbox(alice).id(), List.of(a.uid()));
        assertThat(readAll(store.openBlob(b.blobId()))).hasSize((int) b.size());
    }

    @Test
    public void quotaIsCheckedPerRecipientWithItsOwnSizeAndARefusalWritesNothingForAnyone() {
        MessageData m = message(1000, "quota");
        Account tight = account("tight@example.com", 1000 + 10, 0);
        Account roomy = account("roomy@example.com");
        long position = store.lastChangePosition();
        assertThatThrownBy(() -> deliverTo(m, Delivery.Recipient.inbox(roomy.id()),
                Delivery.Recipient.inbox(tight.id()).withHeaderFields(List.of("X-Spam-Flag: YES, and more than ten bytes"))))
                .isInstanceOfSatisfying(StoreException.QuotaExceeded.class, e -> assertThat(e.refusals()).containsExactly(
                        new StoreException.QuotaExceeded.Refusal(tight.id(), StoreException.QuotaExceeded.Reason.ACCOUNT_FULL)));
        assertThat(store.lastChangePosition()).as("nothing written for anyone").isEqualTo(position);
        assertThat(store.messages(inbox(roomy).id())).isEmpty();
        assertThat(store.findAccount(roomy.id()).orElseThrow().usedBytes()).isZero();
        // without the extra bytes it fits
        deliverTo(m, Delivery.Recipient.inbox(roomy.id()), Delivery.Recipient.inbox(tight.id()).withHeaderFields(List.of("X: y")));
        assertThat(store.findAccount(tight.id()).orElseThrow().usedBytes()).isEqualTo(1000 + "X: y\r\n".length());
    }

    @Test
    public void malformedHeaderFieldsAreRefusedBeforeAnythingIsQueued() {
        for (String bad : List.of("no colon", ": no name", "Bad Name: x", "Bare: line\nfeed", "Bare: carriage\rreturn",
                "Unfolded: a\r\nb", "Nul: \0", "Long: " + "x".repeat(Delivery.Recipient.MAX_HEADER_LINE))) {
            assertThatThrownBy(() -> Delivery.Recipient.inbox(1).withHeaderFields(List.of(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Delivery.Recipient.inbox(1).withHeaderFields(List.of("Folded: a\r\n b", "Utf8: caf\u00e9")).headerFields()).hasSize(2);
    }

    @Test
    public void theOldShapeStillDeliversToEveryInboxOnce() {
        Account alice = account("alice@example.com");
        DeliveryReceipt r = store.deliver(new Delivery(List.of(alice.id(), alice.id()), message(50, "old"), ARRIVAL));
        assertThat(r.placed()).hasSize(1);
        assertThat(store.messages(inbox(alice).id())).hasSize(1);
    }
}
