package org.twinmail.pop3.maildrop;

import java.util.concurrent.atomic.AtomicBoolean;

/** A held maildrop lock; {@link #close()} releases it and may be called any number of times. */
public final class MaildropLock implements AutoCloseable {
    private final MaildropLocks owner;
    private final long accountId;
    private final AtomicBoolean released = new AtomicBoolean();

    MaildropLock(MaildropLocks owner, long accountId) {
        this.owner = owner;
        this.accountId = accountId;
    }

    public long accountId() {
        return accountId;
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) owner.release(this);
    }
}
