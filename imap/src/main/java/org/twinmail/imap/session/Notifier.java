package org.twinmail.imap.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.event.StoreListener;

/**
 * Wakes IDLE sessions when their mailbox changes. The store calls {@link #onEvent} on its
 * writer thread after each commit, so this only drops a token into the queues of the
 * sessions waiting on that mailbox and never blocks.
 */
public final class Notifier implements StoreListener {
    /** Mailbox id → the wake-up queues of the sessions idling on it. */
    private final ConcurrentHashMap<Long, Set<LinkedBlockingQueue<Object>>> waiting = new ConcurrentHashMap<>();

    /** What an IDLE session waits on: a token per change, or the client's line. */
    public static final Object CHANGED = new Object();

    @Override
    public void onEvent(StoreEvent event) {
        long mailboxId = switch (event) {
            case StoreEvent.MessagesAdded a -> a.mailboxId();
            case StoreEvent.MailboxChanged c -> c.mailboxId();
        };
        Set<LinkedBlockingQueue<Object>> queues = waiting.get(mailboxId);
        if (queues == null) return;
        for (LinkedBlockingQueue<Object> q : queues) q.offer(CHANGED);
    }

    /** Registers an IDLE session's queue for {@code mailboxId}; {@link #stopWaiting} removes it. */
    public void waitOn(long mailboxId, LinkedBlockingQueue<Object> queue) {
        waiting.computeIfAbsent(mailboxId, k -> ConcurrentHashMap.newKeySet()).add(queue);
    }

    public void stopWaiting(long mailboxId, LinkedBlockingQueue<Object> queue) {
        waiting.computeIfPresent(mailboxId, (k, set) -> {
            set.remove(queue);
            return set.isEmpty() ? null : set;
        });
    }

    /** Waits for the next item (a change token or a client line) at most {@code millis}. */
    public static Object next(LinkedBlockingQueue<Object> queue, long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }
}
