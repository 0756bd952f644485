package org.twinmail.store;

import java.util.List;
import org.twinmail.core.event.StoreListener;

/**
 * The change log and the epoch fence. Every change of every role gets a position in one
 * ordered log (strictly increasing, never reused), which doubles as IMAP MODSEQ and is
 * what JMAP state and replication read. Every write carries the epoch this instance was
 * opened with; once a higher epoch has been recorded ({@link #fence}), every write of
 * this instance, whatever its role, fails with {@link StoreException.StaleEpoch} and
 * writes nothing.
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
}
