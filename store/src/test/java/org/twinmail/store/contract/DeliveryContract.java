package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.DeliveryReceipt;
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
}
