package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountChange;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.StoreException;

/** The {@link org.twinmail.store.Mailboxes} role: what IMAP needs (mailbox management, APPEND, COPY/MOVE, STORE, CONDSTORE changes, STATUS). */
public abstract class MailboxesContract extends StoreContract {
    protected Account alice;
    protected final List<StoreEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>(); // filled on the writer thread

    @BeforeEach
    public void setUp() {
        openStore();
        store.addDomain("example.org");
        alice = account("alice@example.org", 100_000, 0);
        store.addListener(events::add);
    }

    protected Mailbox box(String name) {
        return store.mailbox(alice.id(), name).orElseThrow();
    }

    protected AppendResult append(String mailbox, int size, String seed, String... flags) {
        return store.append(box(mailbox).id(), message(size, seed), Set.of(flags), Instant.parse("2024-05-06T07:08:09Z"));
    }

    @Test
    public void newAccountsAreSubscribedToTheirDefaultMailboxes() {
        assertThat(store.subscriptions(alice.id())).containsExactly("Drafts", "INBOX", "Junk", "Sent", "Trash");
        store.setSubscribed(alice.id(), "Archive/2024", true);
        store.setSubscribed(alice.id(), "Archive/2024", true);
        store.setSubscribed(alice.id(), "junk", false); // not subscribed under that name: nothing happens
        store.setSubscribed(alice.id(), "Junk", false);
        assertThat(store.subscriptions(alice.id())).containsExactly("Archive/2024", "Drafts", "INBOX", "Sent", "Trash");
    }

    @Test
    public void createRefusesDuplicatesAndBadNames() {
        Mailbox work = store.createMailbox(alice.id(), "Work", null);
        assertThat(work.uidNext()).isEqualTo(1);
        assertThat(work.uidValidity()).isGreaterThan(box("INBOX").uidValidity());
        assertThatThrownBy(() -> store.createMailbox(alice.id(), "Work", null)).isInstanceOf(StoreException.Conflict.class);
        assertThatThrownBy(() -> store.createMailbox(alice.id(), "inbox", null)).isInstanceOf(StoreException.Conflict.class);
        assertThatThrownBy(() -> store.createMailbox(alice.id(), "Sent2", SpecialUse.SENT)).isInstanceOf(StoreException.Conflict.class);
        for (String bad : List.of("", "/a", "a/", "a//b", "a\u0001b")) {
            assertThatThrownBy(() -> store.createMailbox(alice.id(), bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    public void appendChecksQuotaAndKeepsFlagsAndDate() throws InterruptedException {
        AppendResult r = append("Drafts", 1000, "draft", "\\seen", "\\Draft", "$Label1", "\\Recent");
        Mailbox drafts = box("Drafts");
        assertThat(r.uid()).isEqualTo(1);
        assertThat(r.uidValidity()).isEqualTo(drafts.uidValidity());
        assertThat(drafts.uidNext()).isEqualTo(2);
        assertThat(drafts.highestModSeq()).isEqualTo(r.changePosition());
        MessageEntry e = store.messages(drafts.id()).getFirst();
        assertThat(e.flags()).containsExactlyInAnyOrder("\\Seen", "\\Draft", "$Label1");
        assertThat(e.internalDate()).isEqualTo(Instant.parse("2024-05-06T07:08:09Z"));
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(1000);
        assertThat(store.findDomain("example.org").orElseThrow().usedBytes()).isEqualTo(1000);
        awaitSize(events, 1);
        assertThat(events).contains(new StoreEvent.MessagesAdded(alice.id(), drafts.id(), r.changePosition()));

        assertThatThrownBy(() -> append("Drafts", 99_001, "big")).isInstanceOf(StoreException.QuotaExceeded.class);
        assertThatThrownBy(() -> append("Drafts", 10, "x", "\\Bogus")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.messages(drafts.id())).hasSize(1);
    }

    @Test
    public void appendAndCopyCountMessagesAgainstTheLimitsButMoveDoesNot() {
        store.updateAccount(alice.address(), new AccountChange(null, null, null, 3L));
        append("INBOX", 100, "one");
        append("INBOX", 100, "two");
        long inbox = box("INBOX").id();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        assertThatThrownBy(() -> store.appendAll(inbox, List.of(new Appended(message(10, "a"), Set.of(), t),
                new Appended(message(10, "b"), Set.of(), t))))
                .isInstanceOfSatisfying(StoreException.QuotaExceeded.class, e -> assertThat(e.refusals())
                        .extracting(StoreException.QuotaExceeded.Refusal::reason)
                        .containsExactly(StoreException.QuotaExceeded.Reason.ACCOUNT_MESSAGES));
        Mailbox work = store.createMailbox(alice.id(), "Work", null);
        assertThatThrownBy(() -> store.copy(inbox, List.of(1L, 2L), work.id(), false)).isInstanceOf(StoreException.QuotaExceeded.class);
        assertThat(store.copy(inbox, List.of(1L), work.id(), false).targetUids()).containsExactly(1L);
        assertThat(store.copy(inbox, List.of(2L), work.id(), true).targetUids()).containsExactly(2L); // a move adds nothing
        assertThat(store.findDomain("example.org").orElseThrow().messageCount()).isEqualTo(3);
        store.setDomainMessageLimit("example.org", 3);
        store.updateAccount(alice.address(), new AccountChange(null, null, null, 0L));
        assertThatThrownBy(() -> append("Drafts", 10, "x")).isInstanceOfSatisfying(StoreException.QuotaExceeded.class,
                e -> assertThat(e.refusals()).extracting(StoreException.QuotaExceeded.Refusal::reason)
                        .containsExactly(StoreException.QuotaExceeded.Reason.DOMAIN_MESSAGES));
        store.deleteMailbox(alice.id(), "Work");
        assertThat(store.findDomain("example.org").orElseThrow().messageCount()).isEqualTo(1);
        assertThat(store.findAccount(alice.id()).orElseThrow().messageCount()).isEqualTo(1);
        append("Drafts", 10, "x");
    }

    @Test
    public void storeFlagsAddRemoveReplaceWithUnchangedSince() {
        append("INBOX", 100, "a");
        append("INBOX", 100, "b");
        long inbox = box("INBOX").id();
        long before = box("INBOX").highestModSeq();

        FlagsResult add = store.storeFlags(inbox, List.of(1L, 2L), FlagChange.ADD, Set.of("\\SEEN"), -1);
        assertThat(add.updated()).extracting(MessageEntry::uid).containsExactly(1L, 2L);
        assertThat(add.updated().get(1).modSeq()).isEqualTo(add.changePosition()).isGreaterThan(add.updated().get(0).modSeq());
        assertThat(box("INBOX").highestModSeq()).isEqualTo(add.changePosition());

        FlagsResult again = store.storeFlags(inbox, List.of(1L), FlagChange.ADD, Set.of("\\Seen"), -1);
        assertThat(again.updated()).isEmpty(); // nothing changed, no new MODSEQ
        assertThat(box("INBOX").highestModSeq()).isEqualTo(add.changePosition());

        long uid1ModSeq = add.updated().get(0).modSeq();
        FlagsResult cond = store.storeFlags(inbox, List.of(1L, 2L), FlagChange.REPLACE, Set.of("\\Deleted", "Work"), uid1ModSeq);
        assertThat(cond.modified()).containsExactly(2L);
        assertThat(cond.updated()).extracting(MessageEntry::uid).containsExactly(1L);
        assertThat(store.messages(inbox).get(0).flags()).containsExactlyInAnyOrder("\\Deleted", "Work");

        store.storeFlags(inbox, List.of(1L), FlagChange.REMOVE, Set.of("Work"), -1);
        MailboxStatus status = store.status(inbox);
        assertThat(status.unseen()).isEqualTo(1);
        assertThat(status.deleted()).isEqualTo(1);
        assertThat(status.mailbox().messageCount()).isEqualTo(2);

        MailboxChanges changes = store.mailboxChanges(inbox, before);
        assertThat(changes.changed()).extracting(MessageEntry::uid).containsExactly(1L, 2L);
        assertThat(changes.highestModSeq()).isEqualTo(box("INBOX").highestModSeq());
        assertThat(store.mailboxChanges(inbox, changes.highestModSeq()).changed()).isEmpty();

        store.expunge(inbox, List.of(1L));
        MailboxChanges afterExpunge = store.mailboxChanges(inbox, changes.highestModSeq());
        assertThat(afterExpunge.expunged()).containsExactly(1L);
        assertThat(afterExpunge.changed()).isEmpty();
    }

    @Test
    public void renameMovesChildrenAndKeepsUidValidity() {
        Mailbox a = store.createMailbox(alice.id(), "A", null);
        store.createMailbox(alice.id(), "A/B", null);
        store.createMailbox(alice.id(), "AB", null);
        store.createMailbox(alice.id(), "Z/B", null);
        Mailbox renamed = store.renameMailbox(alice.id(), "A", "C");
        assertThat(renamed.id()).isEqualTo(a.id());
        assertThat(renamed.uidValidity()).isEqualTo(a.uidValidity());
        assertThat(store.mailboxes(alice.id())).extracting(Mailbox::name).contains("C", "C/B", "AB").doesNotContain("A", "A/B");
        assertThatThrownBy(() -> store.renameMailbox(alice.id(), "C", "Z")).isNotNull(); // Z/B exists but Z does not: Z/B would collide
        assertThatThrownBy(() -> store.renameMailbox(alice.id(), "C", "AB")).isInstanceOf(StoreException.Conflict.class);
        assertThatThrownBy(() -> store.renameMailbox(alice.id(), "C", "C/D")).isInstanceOf(StoreException.Conflict.class);
        assertThatThrownBy(() -> store.renameMailbox(alice.id(), "Nope", "D")).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    public void renamingInboxMovesItsMessagesAndLeavesItEmpty() {
        append("INBOX", 100, "a", "\\Seen");
        append("INBOX", 100, "b");
        Mailbox inbox = box("INBOX");
        Mailbox old = store.renameMailbox(alice.id(), "inbox", "Old");
        assertThat(store.messages(old.id())).extracting(MessageEntry::uid).containsExactly(1L, 2L);
        assertThat(old.messageCount()).isEqualTo(2);
        assertThat(old.uidNext()).isEqualTo(3);
        assertThat(old.uidValidity()).isNotEqualTo(inbox.uidValidity());
        Mailbox after = box("INBOX");
        assertThat(after.messageCount()).isZero();
        assertThat(after.uidNext()).isEqualTo(3);
        assertThat(after.uidValidity()).isEqualTo(inbox.uidValidity());
        assertThat(store.mailboxChanges(inbox.id(), inbox.highestModSeq()).expunged()).containsExactly(1L, 2L);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(200);
        AppendResult next = append("INBOX", 10, "c");
        assertThat(next.uid()).isEqualTo(3);
    }
}
