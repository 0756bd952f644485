package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.AccountChange;
import org.twinmail.store.Change;
import org.twinmail.store.Change.Kind;
import org.twinmail.store.DeliveryReceipt;

class ChangeLogTest extends StoreFixture {

    @Test
    void everyMutationIsLoggedInOrderWithItsSubject() {
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
    void modSeqIsTheChangeLogPositionAndPagingWorks() {
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
    void refusedOperationsLeaveNoLogRows() {
        openStore();
        store.addDomain("example.com");
        long pos = store.lastChangePosition();
        assertThatThrownBy(() -> store.addDomain("example.com")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> store.removeAlias("nope@example.com")).isInstanceOf(RuntimeException.class);
        assertThat(store.lastChangePosition()).isEqualTo(pos);
    }
}
