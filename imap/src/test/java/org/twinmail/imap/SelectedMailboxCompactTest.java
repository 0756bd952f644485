package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.store.FlagChange;

/**
 * The selected mailbox of a session in IDLE keeps only UIDs, MODSEQs and flags: the updates it
 * pushes while compact, and the entries it shows once restored, are those of a view that kept
 * every column.
 */
class SelectedMailboxCompactTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;
    Account a;
    Mailbox inbox;

    @BeforeEach
    void setUp() {
        fx = new ImapFixture(dataDir);
        a = fx.account();
        for (int i = 0; i < 5; i++) fx.deliver(a, ImapFixture.message("m" + i, "body " + i + "\r\n"));
        inbox = fx.store.mailbox(a.id(), "INBOX").orElseThrow();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private SelectedMailbox open() {
        return SelectedMailbox.open(fx.store, fx.store.mailbox(inbox.id()).orElseThrow(), false);
    }

    private static List<MessageEntry> entries(SelectedMailbox s) {
        List<MessageEntry> out = new ArrayList<>();
        for (long uid : s.uids()) out.add(s.entry(uid));
        return out;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void updatesWhileCompactAndEntriesAfterRestoreAreThoseOfAFullView(boolean keepModSeqs) {
        SelectedMailbox full = open();
        SelectedMailbox compact = open();
        compact.compact(fx.store, keepModSeqs);
        fx.store.storeFlags(inbox.id(), List.of(2L), FlagChange.ADD, Set.of("\\Seen"), -1);
        fx.deliver(a, ImapFixture.message("new", "a new one\r\n"));
        fx.store.storeFlags(inbox.id(), List.of(4L), FlagChange.ADD, Set.of("\\Deleted"), -1);
        fx.store.expunge(inbox.id(), List.of(4L));
        List<String> pushedFull = full.refresh(fx.store, true, false, false);
        List<String> pushedCompact = compact.refresh(fx.store, true, false, false);
        assertThat(pushedCompact).isEqualTo(pushedFull).contains("4 EXPUNGE", "5 EXISTS", "2 FETCH (UID 2 FLAGS (\\Seen))");
        fx.store.storeFlags(inbox.id(), List.of(1L), FlagChange.ADD, Set.of("$Label"), -1);
        assertThat(compact.refresh(fx.store, true, keepModSeqs, false)).isEqualTo(full.refresh(fx.store, true, keepModSeqs, false));
        compact.restore(fx.store);
        assertThat(entries(compact)).isEqualTo(entries(full)).hasSize(5);
        assertThat(compact.entry(6).size()).isPositive();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void anEntryAskedForWhileCompactIsReadBack(boolean keepModSeqs) {
        SelectedMailbox full = open();
        SelectedMailbox compact = open();
        compact.compact(fx.store, keepModSeqs);
        assertThat(compact.entry(3)).isEqualTo(full.entry(3));
        assertThat(entries(compact)).isEqualTo(entries(full));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aMessageExpungedBeforeTheRestoreIsRemovedByTheRefreshAfterIt(boolean keepModSeqs) {
        SelectedMailbox full = open();
        SelectedMailbox compact = open();
        compact.compact(fx.store, keepModSeqs);
        fx.store.storeFlags(inbox.id(), List.of(3L), FlagChange.ADD, Set.of("\\Deleted"), -1);
        fx.store.expunge(inbox.id(), List.of(3L));
        compact.restore(fx.store);
        assertThat(compact.refresh(fx.store, true, false, false)).isEqualTo(full.refresh(fx.store, true, false, false))
                .contains("3 EXPUNGE");
        assertThat(entries(compact)).isEqualTo(entries(full)).hasSize(4);
    }
}
