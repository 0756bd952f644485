package org.twinmail.store;

import java.time.Duration;
import java.util.List;
import org.twinmail.core.event.StoreListener;

/**
 * The change log and the epoch fence. Every change of every role gets a position in one
 * ordered log (strictly increasing, never reused), which doubles as IMAP MODSEQ and is
 * what JMAP state and replication read. Every write carries the epoch this instance was
 * opened with; once a higher epoch has been recorded ({@link #fence}), every write of
 * this instance, whatever its role, fails with {@link StoreException.StaleEpoch} and
 * writes nothing.
 *
 * <p>Durable consumers. A consumer is a name with a cursor kept in the store: the position
 * up to which it has handled the log. It reads {@link #changesSince} its cursor, acts, and
 * then {@link #advanceConsumer advances} the cursor; a crash between acting and advancing
 * makes it see those changes again after the restart, never skip one. So delivery is
 * at least once, in log order, and a consumer whose handling is idempotent (keyed by
 * position, or by what the change names) gets the effect of exactly once.
 * {@link ChangeConsumer} runs that loop. To wait for new changes without polling, a
 * consumer calls {@link #awaitChange}, which the writer wakes after each commit.
 */
public interface ChangeLog {

    /** Changes after {@code position}, oldest first, at most {@code limit}. */
    List<Change> changesSince(long position, int limit);

    /** Position of the newest change (0 when none). */
    long lastChangePosition();

    /** The epoch this instance writes with. */
    long epoch();

    /** The highest epoch recorded in the store. */
    long storedEpoch();

    /** Records {@code newEpoch} as the store's epoch (it must not be lower than the current one); from then on writers with a lower epoch are refused. */
    void fence(long newEpoch);

    /**
     * In-process notification after each commit, on the store's writer thread (must return
     * quickly and never touch the store). Lost on a crash: anything that must not miss a
     * change reads the log from a durable position instead.
     */
    void addListener(StoreListener listener);

    /**
     * Waits until the log has a change after {@code afterPosition}, at most {@code timeout}, and
     * returns the newest position known then (not above {@code afterPosition} if the time ran
     * out). Woken by this instance's commits, with no polling; changes written by another
     * instance on the same data are seen by the next read, at the latest when the wait times out.
     *
     * @throws InterruptedException if the waiting thread is interrupted
     * @throws StoreException.Unavailable once the store is closed
     */
    long awaitChange(long afterPosition, Duration timeout) throws InterruptedException;

    /** The cursor of consumer {@code name}: the last position it has handled, 0 for a consumer never advanced. */
    long consumerPosition(String name);

    /**
     * Durably records that consumer {@code name} has handled every change up to and including
     * {@code position}, creating the consumer on first use. A cursor never moves back: a
     * lower position leaves it where it is (a late duplicate advance is harmless). Moving a
     * cursor is not itself a change in the log. A position beyond the newest change is
     * refused (IllegalArgumentException): it would skip changes not yet written. Fenced like
     * every write.
     *
     * <p>Names are 1 to 100 characters of letters, digits, '.', '-' and '_'.
     */
    void advanceConsumer(String name, long position);

    /** Forgets consumer {@code name} and its cursor; false if there was none. */
    boolean removeConsumer(String name);
}
