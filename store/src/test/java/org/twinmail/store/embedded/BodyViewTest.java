package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * Mailboxes.openView: a body expunged while a reader's view is open stays readable until every
 * open view has seen the expunge (or closed); quota and counts are freed at once; a restart
 * frees everything held. Small bodies live inline in the blob row, large ones in files: both kinds.
 */
class BodyViewTest extends StoreFixture {
    Account alice;
    long inbox;

    @BeforeEach
    void setUp() {
        openStore();
        store.addDomain("example.org");
        alice = account("alice@example.org");
        inbox = store.mailbox(alice.id(), "INBOX").orElseThrow().id();
    }

    private String append(int size, String seed) {
        MessageData m = message(size, seed);
        store.append(inbox, m, Set.of(), Instant.parse("2024-05-06T07:08:09Z"));
        return m.sha256();
    }

    private long modSeq() {
        return store.mailbox(alice.id(), "INBOX").orElseThrow().highestModSeq();
    }

    private boolean readable(String blob) throws Exception {
        try (InputStream in = store.openBlob(blob)) {
            return in.readAllBytes().length > 0;
        } catch (StoreException.NotFound e) {
            return false;
        }
    }

    @Test
    void withoutAViewAnExpungedBodyIsFreedAtOnce() throws Exception {
        String blob = append(100, "one");
        store.expunge(inbox, List.of(1L));
        assertThat(readable(blob)).isFalse();
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isZero();
    }

    @Test
    void aViewKeepsTheBodyUntilItHasSeenTheExpunge() throws Exception {
        String small = append(100, "one");
        String large = append(3 * (int) INLINE_MAX, "two");
        Mailboxes.BodyView view = store.openView(inbox, modSeq());
        store.expunge(inbox, List.of(1L, 2L));
        // The expunge itself is done: quota and counts are freed now.
        assertThat(store.findAccount(alice.id()).orElseThrow().usedBytes()).isZero();
        assertThat(store.messages(inbox)).isEmpty();
        assertThat(readable(small)).isTrue();
        assertThat(readable(large)).isTrue();
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isEqualTo(2);
        view.seen(modSeq());
        assertThat(readable(small)).isFalse();
        assertThat(readable(large)).isFalse();
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
        view.close();
    }

    @Test
    void theBodyGoesWhenTheLastViewHasSeenItOrClosed() throws Exception {
        String blob = append(100, "one");
        append(100, "two");
        Mailboxes.BodyView a = store.openView(inbox, modSeq());
        Mailboxes.BodyView b = store.openView(inbox, modSeq());
        store.expunge(inbox, List.of(1L));
        long afterFirst = modSeq();
        a.seen(afterFirst);
        assertThat(readable(blob)).isTrue(); // b has not been told yet
        b.close();
        assertThat(readable(blob)).isFalse();
        // A move out of the mailbox is an expunge too.
        String moved = store.messages(inbox).getFirst().blobId();
        long work = store.createMailbox(alice.id(), "Work", null).id();
        store.copy(inbox, List.of(2L), work, true);
        // Its new entry keeps the body referenced, so the open view reads it without a hold (and
        // without the second write a hold costs when the view moves on).
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isZero();
        assertThat(sqlLong("SELECT refs FROM blob WHERE sha256 = '" + moved + "'")).isEqualTo(1);
        assertThat(readable(moved)).isTrue();
        a.close();
        assertThat(sqlLong("SELECT refs FROM blob WHERE sha256 = '" + moved + "'")).isEqualTo(1);
        assertThat(readable(moved)).isTrue();
    }

    @Test
    void aViewOpenedAfterTheExpungeDoesNotHoldIt() throws Exception {
        String blob = append(100, "one");
        Mailboxes.BodyView early = store.openView(inbox, modSeq());
        store.expunge(inbox, List.of(1L));
        Mailboxes.BodyView late = store.openView(inbox, modSeq());
        early.seen(modSeq());
        assertThat(readable(blob)).isFalse();
        late.close();
        early.close();
    }

    @Test
    void aRestartFreesWhatOpenViewsHeld() throws Exception {
        String blob = append(3 * (int) INLINE_MAX, "big");
        store.openView(inbox, modSeq()); // never closed: the process "ends"
        store.expunge(inbox, List.of(1L));
        assertThat(readable(blob)).isTrue();
        store.close();
        opened.remove(store);
        openStore();
        assertThat(sqlLong("SELECT count(*) FROM held_body")).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
        assertThatThrownBy(() -> store.openBlob(blob)).isInstanceOf(StoreException.NotFound.class);
        try (var files = java.nio.file.Files.walk(dataDir.resolve("store/blobs"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile).toList()).isEmpty();
        }
    }
}
