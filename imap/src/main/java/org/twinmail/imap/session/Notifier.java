package org.twinmail.imap.session;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.event.StoreListener;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.StoreException;

/**
 * Wakes sessions when what they watch changes.
 *
 * <p>IDLE on the selected mailbox: the store calls {@link #onEvent} on its writer thread after
 * each commit, so this only runs the wake-ups registered for that mailbox, which must return at
 * once and never block (an IDLE session's schedules its catch-up on a short-lived virtual thread).
 *
 * <p>NOTIFY (RFC 5465) on an account's other mailboxes, names, subscriptions and metadata:
 * sessions register an {@link AccountWatch}; while at least one is registered, one virtual
 * thread for the whole server follows the {@link ChangeLog} (woken by each commit, no polling)
 * and hands each change to the watches of its account. A session also calls {@link #catchUp}
 * at the end of its commands, so what was committed before is handed over before it answers.
 * With no watch registered nothing runs and nothing is held.
 */
public final class Notifier implements StoreListener {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final int BATCH = 500;

    /** Mailbox id → the wake-ups of the sessions idling on it. */
    private final ConcurrentHashMap<Long, Set<Runnable>> waiting = new ConcurrentHashMap<>();
    /** Account id → the NOTIFY watches of its sessions. */
    private final ConcurrentHashMap<Long, Set<AccountWatch>> watches = new ConcurrentHashMap<>();
    private final ChangeLog changes;
    /** Guards {@link #followed} and {@link #follower}; held while changes are handed over, so they go out in log order. */
    private final ReentrantLock follow = new ReentrantLock();
    private long followed;
    private Thread follower;

    /** A NOTIFY session's interest in the changes of one account. */
    public interface AccountWatch {
        long accountId();

        /** A change of the account, in log order, on the follower's or a session's thread: must return at once. */
        void changed(Change change);
    }

    public Notifier(ChangeLog changes) {
        this.changes = changes;
    }

    @Override
    public void onEvent(StoreEvent event) {
        long mailboxId = switch (event) {
            case StoreEvent.MessagesAdded a -> a.mailboxId();
            case StoreEvent.MailboxChanged c -> c.mailboxId();
        };
        Set<Runnable> wakeUps = waiting.get(mailboxId);
        if (wakeUps == null) return;
        for (Runnable w : wakeUps) w.run();
    }

    /** Registers a wake-up for changes of {@code mailboxId}; {@link #stopWaiting} removes it. */
    public void waitOn(long mailboxId, Runnable wakeUp) {
        waiting.computeIfAbsent(mailboxId, k -> ConcurrentHashMap.newKeySet()).add(wakeUp);
    }

    public void stopWaiting(long mailboxId, Runnable wakeUp) {
        waiting.computeIfPresent(mailboxId, (k, set) -> {
            set.remove(wakeUp);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Starts handing the account's changes committed from now on to {@code watch}; returns the
     * log position it starts after (changes at or before it are not the watch's).
     */
    public long watch(AccountWatch watch) {
        follow.lock();
        try {
            long from = changes.lastChangePosition();
            if (follower == null) followed = from;
            watches.computeIfAbsent(watch.accountId(), k -> ConcurrentHashMap.newKeySet()).add(watch);
            if (follower == null) follower = Thread.ofVirtual().name("imap-notify").start(this::follow);
            return from;
        } finally {
            follow.unlock();
        }
    }

    public void unwatch(AccountWatch watch) {
        watches.computeIfPresent(watch.accountId(), (k, set) -> {
            set.remove(watch);
            return set.isEmpty() ? null : set;
        });
    }

    /** Hands every change committed so far to the watches of its account; returns when they have it. */
    public void catchUp() {
        if (watches.isEmpty()) return;
        follow.lock();
        try {
            while (true) {
                List<Change> batch = changes.changesSince(followed, BATCH);
                if (batch.isEmpty()) return;
                for (Change c : batch) dispatch(c);
                followed = batch.getLast().position();
            }
        } finally {
            follow.unlock();
        }
    }

    private void dispatch(Change c) {
        if (c.accountId() == 0) {
            // The server's shared METADATA entries (global scope) concern every session.
            if (c.kind() == Change.Kind.RECORD_CHANGED && c.detail().startsWith("imap.metadata\t\t")) {
                for (Set<AccountWatch> set : watches.values()) for (AccountWatch w : set) w.changed(c);
            }
            return;
        }
        Set<AccountWatch> set = watches.get(c.accountId());
        if (set != null) for (AccountWatch w : set) w.changed(c);
    }

    /** The follower: waits for commits while any watch is registered, and hands them over. */
    private void follow() {
        while (true) {
            long seen;
            follow.lock();
            try {
                if (watches.isEmpty()) {
                    follower = null;
                    return;
                }
                seen = followed;
            } finally {
                follow.unlock();
            }
            try {
                changes.awaitChange(seen, Duration.ofSeconds(10));
                catchUp();
            } catch (InterruptedException | StoreException.Unavailable e) {
                follow.lock();
                try {
                    follower = null;
                } finally {
                    follow.unlock();
                }
                return;
            } catch (RuntimeException e) {
                log.warn("imap: NOTIFY could not read the change log: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException x) {
                    return;
                }
            }
        }
    }
}
