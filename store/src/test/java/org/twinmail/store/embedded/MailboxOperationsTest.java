package org.twinmail.store.embedded;

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
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.CopyResult;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.StoreException;

/** The store operations IMAP needs: mailbox management, APPEND, COPY/MOVE, STORE, CONDSTORE changes, STATUS. */
class MailboxOperationsTest extends StoreFixture {
    Account alice;
    final List<StoreEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>(); // filled on the writer thread

    @BeforeEach
    void setUp() {
        openStore();
        store.addDomain("example.org");
        alice = account("alice@example.org", 100_000, 0);
        store.addListener(events::add);
    }

    Mailbox box(String name) {
        return store.mailbox(alice.id(), name).orElseThrow();
    }

    AppendResult append(String mailbox, int size, String seed, String... flags) {
        return store.append(box(mailbox).id(), message(size, seed), Set.of(flags), Instant.parse("2024-05-06T07:08:09Z"));
    }

    @Test
    void appendAllIsAllOrNothing() {
        long drafts = box("Drafts").id();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        List<AppendResult> ok = store.appendAll(drafts, List.of(
                new Appended(message(100, "one"), Set.of("\\Seen"), t),
                new Appended(message(100, "one"), Set.of(), t), // same content twice: one blob, two references
                new Appended(message(6000, "file"), Set.of(), t)));
        assertThat(ok).extracting(AppendResult::uid).containsExactly(1L, 2L, 3L);
        assertThat(sqlLong("SELECT refs FROM blob WHERE size = 100")).isEqualTo(2);
        // Each would fit alone, both together do not: nothing is written.
        assertThatThrownBy(() -> store.appendAll(drafts, List.of(new Appended(message(50_000, "a"), Set.of(), t),
                new Appended(message(50_000, "b"), Set.of(), t)))).isInstanceOf(StoreException.QuotaExceeded.class);
        assertThat(store.messages(drafts)).hasSize(3);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(6200);
    }

    @Test
    void copySharesTheBodyGivesNewUidsAndCountsQuota() {
        append("INBOX", 20_000, "one", "\\Flagged");
        append("INBOX", 20_000, "two");
        Mailbox work = store.createMailbox(alice.id(), "Work", null);
        CopyResult c = store.copy(box("INBOX").id(), List.of(2L, 1L, 7L), work.id(), false);
        assertThat(c.sourceUids()).containsExactly(1L, 2L);
        assertThat(c.targetUids()).containsExactly(1L, 2L);
        assertThat(c.targetUidValidity()).isEqualTo(work.uidValidity());
        assertThat(store.messages(work.id())).extracting(MessageEntry::flags).containsExactly(Set.of("\\Flagged"), Set.of());
        assertThat(sqlLong("SELECT count(*) FROM blob")).isEqualTo(2);
        assertThat(sqlLong("SELECT sum(refs) FROM blob")).isEqualTo(4);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(80_000);
    }

    @Test
    void copyOverQuotaIsRefusedButMoveIsNot() {
        append("INBOX", 40_000, "one");
        append("INBOX", 40_000, "two");
        Mailbox work = store.createMailbox(alice.id(), "Work", null);
        long inbox = box("INBOX").id();
        assertThatThrownBy(() -> store.copy(inbox, List.of(1L, 2L), work.id(), false)).isInstanceOf(StoreException.QuotaExceeded.class);
        assertThat(store.messages(work.id())).isEmpty();

        CopyResult moved = store.copy(inbox, List.of(1L, 2L), work.id(), true);
        assertThat(moved.targetUids()).containsExactly(1L, 2L);
        assertThat(store.messages(inbox)).isEmpty();
        assertThat(store.messages(work.id())).hasSize(2);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(80_000);
        assertThat(store.findDomain("example.org").orElseThrow().usedBytes()).isEqualTo(80_000);
        assertThat(sqlLong("SELECT sum(refs) FROM blob")).isEqualTo(2);
        MailboxChanges inboxChanges = store.mailboxChanges(inbox, 0);
        assertThat(inboxChanges.expunged()).containsExactly(1L, 2L);
        assertThat(box("INBOX").uidNext()).isEqualTo(3);
    }

    @Test
    void moveIntoTheSameMailboxGivesNewUidsAndKeepsUsage() {
        // RFC 6851 / RFC 9051 6.4.8 allow MOVE to the selected mailbox: the messages get new UIDs at the end.
        append("INBOX", 1_000, "one");
        append("INBOX", 2_000, "two");
        long inbox = box("INBOX").id();
        long modSeq = box("INBOX").highestModSeq();
        CopyResult moved = store.copy(inbox, List.of(1L), inbox, true);
        assertThat(moved.sourceUids()).containsExactly(1L);
        assertThat(moved.targetUids()).containsExactly(3L);
        assertThat(store.messages(inbox)).extracting(MessageEntry::uid).containsExactly(2L, 3L);
        assertThat(box("INBOX").uidNext()).isEqualTo(4);
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(3_000);
        assertThat(store.findAccount(alice.id()).orElseThrow().messageCount()).isEqualTo(2);
        assertThat(sqlLong("SELECT sum(refs) FROM blob")).isEqualTo(2);
        MailboxChanges changes = store.mailboxChanges(inbox, modSeq);
        assertThat(changes.expunged()).containsExactly(1L);
        assertThat(changes.changed()).extracting(MessageEntry::uid).containsExactly(3L);
    }

    @Test
    void deleteReleasesMailAndRefusesInboxAndParents() {
        store.createMailbox(alice.id(), "P", null);
        store.createMailbox(alice.id(), "P/C", null);
        append("P/C", 500, "shared");
        append("INBOX", 500, "shared");
        assertThatThrownBy(() -> store.deleteMailbox(alice.id(), "INBOX")).isInstanceOf(StoreException.Conflict.class);
        assertThatThrownBy(() -> store.deleteMailbox(alice.id(), "P")).isInstanceOf(StoreException.Conflict.class);
        store.deleteMailbox(alice.id(), "P/C");
        store.deleteMailbox(alice.id(), "P");
        assertThat(store.mailbox(alice.id(), "P/C")).isEmpty();
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isEqualTo(500);
        assertThat(store.findAccount(alice.id()).orElseThrow().messageCount()).isEqualTo(1);
        assertThat(sqlLong("SELECT refs FROM blob")).isEqualTo(1);
        assertThatThrownBy(() -> store.deleteMailbox(alice.id(), "P")).isInstanceOf(StoreException.NotFound.class);
    }
}
