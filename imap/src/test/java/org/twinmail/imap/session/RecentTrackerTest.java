package org.twinmail.imap.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.MessageEntry;

/** Where \Recent starts for a mailbox first seen after the server started, and how sessions take it. */
class RecentTrackerTest {
    static MessageEntry entry(long uid, long modSeq) {
        return new MessageEntry(1, uid, modSeq, Set.of(), Instant.EPOCH, 10, "x");
    }

    @Test
    void aMailboxStartsAfterItsLastMessageUntouchedSinceTheServerStarted() {
        // The server started at change-log position 100: UIDs 1-3 were there, 4 and 5 came since;
        // UID 2's flags changed since, but an older untouched message (3) follows it.
        List<MessageEntry> box = List.of(entry(1, 50), entry(2, 120), entry(3, 90), entry(4, 130), entry(5, 140));
        RecentTracker t = new RecentTracker(100);
        assertThat(t.firstRecent(7, box, 6)).isEqualTo(4);
        assertThat(t.firstRecent(7, List.of(), 6)).as("looking does not take").isEqualTo(4);
        assertThat(t.take(7, 5, box, 6)).isEqualTo(4);
        assertThat(t.take(7, 5, box, 6)).as("a second session gets none").isEqualTo(6);
        assertThat(t.take(7, 6, box, 7)).as("a new message goes to the first to hear of it").isEqualTo(6);
        assertThat(t.firstRecent(7, box, 7)).isEqualTo(7);
    }

    @Test
    void aMailboxUntouchedSinceTheStartHasNothingRecentAndAnEmptyOneStartsAtUidNext() {
        RecentTracker t = new RecentTracker(100);
        assertThat(t.firstRecent(1, List.of(entry(1, 10), entry(2, 20)), 3)).isEqualTo(3);
        assertThat(t.firstRecent(2, List.of(), 9)).isEqualTo(9);
        assertThat(t.take(2, 8, List.of(), 9)).as("a take never moves the start back").isEqualTo(9);
        assertThat(t.firstRecent(2, List.of(), 9)).isEqualTo(9);
    }
}
