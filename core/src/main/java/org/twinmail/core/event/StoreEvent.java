package org.twinmail.core.event;

/**
 * Something changed in the store, published after the change is durable. IMAP IDLE,
 * JMAP push, SMS notification and metrics listen for these.
 */
public sealed interface StoreEvent {
    /** New messages were appended to a mailbox (delivery, APPEND, COPY, MOVE). */
    record MessagesAdded(long accountId, long mailboxId, long changePosition) implements StoreEvent { }

    /** Flags changed or messages were expunged. */
    record MailboxChanged(long accountId, long mailboxId, long changePosition) implements StoreEvent { }
}
