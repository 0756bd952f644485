package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.AccountChange;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoreException.QuotaExceeded;
import org.twinmail.store.StoreException.QuotaExceeded.Reason;
import org.twinmail.store.StoreException.QuotaExceeded.Refusal;

class DeliveryTest extends StoreFixture {

    @BeforeEach
    void setUp() {
        openStore();
        store.addDomain("example.com");
        store.addDomain("other.example");
    }

    private Mailbox inbox(Account a) {
        return store.mailbox(a.id(), "INBOX").orElseThrow();
    }

    @Test
    void oneMessageForTwentyAccountsIsStoredOnce() {
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < 20; i++) accounts.add(account("user" + i + "@example.com"));
        MessageData big = message(10_000, "twenty");

        DeliveryReceipt r = deliver(big, accounts.toArray(Account[]::new));

        assertThat(r.blobId()).isEqualTo(big.sha256());
        assertThat(r.placed()).hasSize(20).allSatisfy(p -> assertThat(p.uid()).isEqualTo(1));
        assertThat(r.placed()).extracting(DeliveryReceipt.Placed::accountId).containsExactlyElementsOf(accounts.stream().map(Account::id).toList());
        assertThat(sqlLong("SELECT count(*) FROM blob")).isEqualTo(1);
        assertThat(sqlLong("SELECT refs FROM blob")).isEqualTo(20);
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(20);
        assertThat(blobFileCount()).isEqualTo(1);
        for (Account a : accounts) {
            Account now = store.findAccount(a.id()).orElseThrow();
            assertThat(now.usedBytes()).isEqualTo(10_000); // each account is charged in full
            assertThat(now.messageCount()).isEqualTo(1);
        }
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isEqualTo(200_000);
    }

    @Test
    void smallMessagesLiveInTheDatabaseLargerOnesInFiles() throws IOException {
        Account a = account("alice@example.com");
        MessageData atLimit = message((int) INLINE_MAX, "inline");
        MessageData aboveLimit = message((int) INLINE_MAX + 1, "file");

        deliver(atLimit, a);
        assertThat(sqlLong("SELECT in_file FROM blob WHERE sha256 = '" + atLimit.sha256() + "'")).isZero();
        assertThat(sqlLong("SELECT length(content) FROM blob WHERE sha256 = '" + atLimit.sha256() + "'")).isEqualTo(INLINE_MAX);
        assertThat(blobFileCount()).isZero();

        deliver(aboveLimit, a);
        assertThat(sqlLong("SELECT in_file FROM blob WHERE sha256 = '" + aboveLimit.sha256() + "'")).isEqualTo(1);
        assertThat(sqlLong("SELECT content IS NULL FROM blob WHERE sha256 = '" + aboveLimit.sha256() + "'")).isEqualTo(1);
        assertThat(blobFileCount()).isEqualTo(1);
        assertThat(Files.readAllBytes(blobFile(aboveLimit.sha256()))).isEqualTo(aboveLimit.bytes());

        assertThat(readAll(store.openBlob(atLimit.sha256()))).isEqualTo(atLimit.bytes());
        assertThat(readAll(store.openBlob(aboveLimit.sha256()))).isEqualTo(aboveLimit.bytes());
        assertThatThrownBy(() -> store.openBlob("0".repeat(64))).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> store.openBlob("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contentNotMatchingItsDigestIsRefusedBeforeAnythingIsWritten() {
        Account a = account("alice@example.com");
        MessageData real = message(10_000, "real");
        MessageData liar = new MessageData() {
            public long size() { return real.size(); }
            public String sha256() { return "ab".repeat(32); }
            public InputStream open() throws IOException { return real.open(); }
            public byte[] bytes() throws IOException { return real.bytes(); }
            public void close() { }
        };
        MessageData smallLiar = new MessageData() {
            public long size() { return 10; }
            public String sha256() { return "cd".repeat(32); }
            public InputStream open() { return new ByteArrayInputStream(new byte[10]); }
            public byte[] bytes() { return new byte[10]; }
            public void close() { }
        };
        assertThatThrownBy(() -> deliver(liar, a)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> deliver(smallLiar, a)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHA-256");
        assertThat(blobFileCount()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM message")).isZero();
    }

    @Test
    void messageCountLimitsOfAccountAndDomainRefuseAndNothingIsWritten() {
        Account a = account("a@example.com");
        Account b = account("b@example.com");
        Account c = account("c@other.example");
        store.updateAccount(a.address(), new AccountChange(null, null, null, 2L));
        deliver(message(10, "one"), a);
        deliver(message(10, "two"), a);
        assertThat(store.findAccount(a.id()).orElseThrow().maxMessages()).isEqualTo(2);
        assertThat(store.findAccount(a.id()).orElseThrow().isFull(0)).isTrue();
        long changes = store.lastChangePosition();
        assertThatThrownBy(() -> deliver(message(10, "three"), b, a))
                .isInstanceOfSatisfying(QuotaExceeded.class, e ->
                        assertThat(e.refusals()).containsExactly(new Refusal(a.id(), Reason.ACCOUNT_MESSAGES)));
        assertNothingWrittenSince(changes, 2);

        // The domain counts every copy this delivery adds: 2 + 2 > 3.
        store.updateAccount(a.address(), new AccountChange(null, null, null, 0L)); // 0 lifts the limit
        Domain d = store.setDomainMessageLimit("example.com", 3);
        assertThat(d.maxMessages()).isEqualTo(3);
        assertThat(d.messageCount()).isEqualTo(2);
        assertThatThrownBy(() -> deliver(message(10, "four"), a, b, c))
                .isInstanceOfSatisfying(QuotaExceeded.class, e -> assertThat(e.refusals()).containsExactly(
                        new Refusal(a.id(), Reason.DOMAIN_MESSAGES), new Refusal(b.id(), Reason.DOMAIN_MESSAGES)));
        deliver(message(10, "five"), b, c);
        assertThat(store.findDomain("example.com").orElseThrow().messageCount()).isEqualTo(3);
        assertThat(store.findDomain("example.com").orElseThrow().isFull(0)).isTrue();

        store.expunge(inbox(a).id(), List.of(1L));
        assertThat(store.findDomain("example.com").orElseThrow().messageCount()).isEqualTo(2);
        store.removeAccount(b.address());
        assertThat(store.findDomain("example.com").orElseThrow().messageCount()).isEqualTo(1);
        assertThat(store.setDomainMessageLimit("example.com", 0).maxMessages()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM domain WHERE max_messages IS NULL")).isEqualTo(2);
        assertThatThrownBy(() -> store.setDomainMessageLimit("example.com", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void expungeFreesQuotaAndBlobsAndIgnoresMissingUids() {
        Account a = account("alice@example.com");
        Account b = account("bob@example.com");
        MessageData shared = message(INLINE_MAX_PLUS, "shared file");
        MessageData small = message(100, "small inline");
        deliver(shared, a, b);
        deliver(small, a);
        Mailbox box = inbox(a);

        ExpungeResult r = store.expunge(box.id(), List.of(2L, 1L, 77L));
        assertThat(r.expungedUids()).containsExactly(1L, 2L);
        assertThat(r.freedBytes()).isEqualTo(INLINE_MAX_PLUS + 100);
        Account after = store.findAccount(a.id()).orElseThrow();
        assertThat(after.usedBytes()).isZero();
        assertThat(after.messageCount()).isZero();
        Mailbox boxAfter = inbox(a);
        assertThat(boxAfter.messageCount()).isZero();
        assertThat(boxAfter.sizeBytes()).isZero();
        assertThat(boxAfter.uidNext()).isEqualTo(3); // UIDs are never reused
        assertThat(boxAfter.highestModSeq()).isEqualTo(r.changePosition()).isGreaterThan(box.highestModSeq());
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isEqualTo(INLINE_MAX_PLUS);
        // the inline blob had one reference and is gone; the shared file is still Bob's
        assertThat(sqlLong("SELECT count(*) FROM blob")).isEqualTo(1);
        assertThat(sqlLong("SELECT refs FROM blob")).isEqualTo(1);
        assertThat(blobFileCount()).isEqualTo(1);

        store.expunge(inbox(b).id(), List.of(1L));
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
        assertThat(blobFileCount()).isZero();
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isZero();

        long before = store.lastChangePosition();
        ExpungeResult none = store.expunge(box.id(), List.of(1L, 2L));
        assertThat(none.expungedUids()).isEmpty();
        assertThat(none.freedBytes()).isZero();
        assertThat(store.lastChangePosition()).isEqualTo(before);
        assertThatThrownBy(() -> store.expunge(123_456, List.of(1L))).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void contentDeliveredAgainAfterItsBlobWasFreedIsStoredAgain() throws IOException {
        Account a = account("alice@example.com");
        MessageData m = message(INLINE_MAX_PLUS, "again");
        deliver(m, a);
        store.expunge(inbox(a).id(), List.of(1L));
        assertThat(blobFileCount()).isZero();
        deliver(m, a);
        assertThat(blobFileCount()).isEqualTo(1);
        assertThat(readAll(store.openBlob(m.sha256()))).hasSize(INLINE_MAX_PLUS);
    }

    private void assertNothingWrittenSince(long changePosition, long messages) {
        assertThat(store.lastChangePosition()).isEqualTo(changePosition);
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(messages);
        assertThat(sqlLong("SELECT count(*) FROM blob")).isEqualTo(messages);
        assertThat(sqlLong("SELECT coalesce(sum(used_bytes), 0) FROM account"))
                .isEqualTo(sqlLong("SELECT coalesce(sum(size), 0) FROM message"));
        assertThat(sqlLong("SELECT coalesce(sum(used_bytes), 0) FROM domain"))
                .isEqualTo(sqlLong("SELECT coalesce(sum(size), 0) FROM message"));
    }

    private static final int INLINE_MAX_PLUS = (int) INLINE_MAX + 1;
}
