package org.twinmail.pop3.maildrop;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One POP3 session per maildrop at a time (RFC 1939 section 8: the server acquires
 * an exclusive-access lock on the maildrop). The lock lives in memory, keyed by
 * account id: it guards the POP3 message numbering of this server process, and a
 * crashed process holds nothing after restart. IMAP sessions are not excluded; the
 * snapshot copes with messages that vanish under it.
 */
public final class MaildropLocks {
    private final ConcurrentHashMap<Long, MaildropLock> held = new ConcurrentHashMap<>();

    /** Takes the lock for {@code accountId}, or returns empty when another session holds it. */
    public Optional<MaildropLock> tryLock(long accountId) {
        MaildropLock lock = new MaildropLock(this, accountId);
        return held.putIfAbsent(accountId, lock) == null ? Optional.of(lock) : Optional.empty();
    }

    public boolean isLocked(long accountId) {
        return held.containsKey(accountId);
    }

    /** Locks held now (for tests and metrics). */
    public int size() {
        return held.size();
    }

    void release(MaildropLock lock) {
        // remove(key, value): a stale handle can never release somebody else's lock.
        held.remove(lock.accountId(), lock);
    }
}
