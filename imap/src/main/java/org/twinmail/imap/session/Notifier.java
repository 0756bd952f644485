package org.twinmail.imap.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.event.StoreListener;

/**
 * Wakes IDLE sessions when their mailbox changes. The store calls {@link #onEvent} on its
 * writer thread after each commit, so this only runs the wake-ups registered for that
 * mailbox, which must return at once and never block (an IDLE session's schedules its
 * catch-up on a short-lived virtual thread).
 */
public final class Notifier implements StoreListener {
    /** Mailbox id → the wake-ups of the sessions idling on it. */
    private final ConcurrentHashMap<Long, Set<Runnable>> waiting = new ConcurrentHashMap<>();

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
}
