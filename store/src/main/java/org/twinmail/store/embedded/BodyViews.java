package org.twinmail.store.embedded;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.twinmail.store.Mailboxes;

/**
 * The open {@link Mailboxes#openView views} of this process, by mailbox, with the MODSEQ each
 * has seen. In memory only: views belong to live sessions, none survives a restart, so the
 * store frees every held body when it opens. Writers ask {@link #held} inside their transaction
 * whether an expunged body must be kept; views ask for a release when they move on or close.
 */
final class BodyViews {
    /** Views per mailbox; a view's entry is its seen MODSEQ. Guarded by this. */
    private final Map<Long, List<View>> byMailbox = new HashMap<>();
    /** Lowest position of a body held per mailbox (Long.MAX_VALUE or absent: none known). Guarded by this. */
    private final Map<Long, Long> lowestHeld = new HashMap<>();
    private final Releaser releaser;

    /** Frees the bodies of a mailbox held at positions up to a floor; returns the lowest still held, or Long.MAX_VALUE. */
    @FunctionalInterface
    interface Releaser {
        long release(long mailboxId, long upTo);
    }

    BodyViews(Releaser releaser) {
        this.releaser = releaser;
    }

    Mailboxes.BodyView open(long mailboxId, long modSeq) {
        View v = new View(mailboxId, modSeq);
        synchronized (this) {
            byMailbox.computeIfAbsent(mailboxId, k -> new ArrayList<>()).add(v);
        }
        return v;
    }

    /** Whether a body expunged from the mailbox now must be kept (some view is open); records it as held at {@code position}. */
    synchronized boolean held(long mailboxId, long position) {
        List<View> views = byMailbox.get(mailboxId);
        if (views == null || views.isEmpty()) return false;
        lowestHeld.merge(mailboxId, position, Math::min);
        return true;
    }

    /** Bodies of mailboxes without any view are released whenever asked (startup frees everything). */
    private void maybeRelease(long mailboxId) {
        long floor;
        synchronized (this) {
            Long lowest = lowestHeld.get(mailboxId);
            if (lowest == null) return;
            floor = Long.MAX_VALUE;
            List<View> views = byMailbox.get(mailboxId);
            if (views != null) for (View v : views) floor = Math.min(floor, v.seen);
            if (floor < lowest) return;
        }
        long still = releaser.release(mailboxId, floor);
        synchronized (this) {
            if (still == Long.MAX_VALUE) lowestHeld.remove(mailboxId);
            else lowestHeld.put(mailboxId, still);
        }
    }

    private final class View implements Mailboxes.BodyView {
        private final long mailboxId;
        private volatile long seen;
        private boolean closed;

        View(long mailboxId, long seen) {
            this.mailboxId = mailboxId;
            this.seen = seen;
        }

        @Override
        public void seen(long modSeq) {
            if (closed || modSeq <= seen) return;
            seen = modSeq;
            maybeRelease(mailboxId);
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            synchronized (BodyViews.this) {
                List<View> views = byMailbox.get(mailboxId);
                if (views != null) {
                    views.remove(this);
                    if (views.isEmpty()) byMailbox.remove(mailboxId);
                }
            }
            maybeRelease(mailboxId);
        }
    }
}
