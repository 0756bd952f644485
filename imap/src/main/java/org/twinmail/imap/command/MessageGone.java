package org.twinmail.imap.command;

/**
 * A message this session still shows has no body any more: another session expunged it and the
 * store did not keep it (a view normally keeps it, {@code Mailboxes.openView}). Answered as
 * {@code NO [EXPUNGEISSUED]} (RFC 9051 7.1), never naming the store's internal ids; FETCH
 * answers the other messages first.
 */
public final class MessageGone extends RuntimeException {
    public MessageGone() {
        super("some of the requested messages were expunged by another session", null, false, false);
    }
}
