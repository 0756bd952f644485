package org.twinmail.sieve.run;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** What a script decided for the message (RFC 5228 4, and the extensions'). */
public sealed interface Action {
    /** Into INBOX, with these flags (explicit keep, or the implicit keep). */
    record Keep(Set<String> flags) implements Action { }

    /** Into {@code mailbox} (created first when {@code create} and missing), with these flags. */
    record FileInto(String mailbox, Set<String> flags, boolean create) implements Action { }

    /** Forwarded to {@code address}. */
    record Redirect(String address) implements Action { }

    /** Refused: at SMTP time when {@code smtp} (ereject, or reject before the 250), else by a DSN (RFC 5429). */
    record Reject(String reason, boolean smtp) implements Action { }

    /** Dropped silently (implicit keep cancelled). */
    record Discard() implements Action { }

    /**
     * An automatic reply (RFC 5230) to {@code to}, at most once per {@code period} per sender and {@code handle}.
     *
     * @param from    the From of the reply, or null for the recipient's address
     * @param subject the Subject, or null for "Auto: " and the original subject
     */
    record Vacation(String to, String handle, Duration period, String subject, String from, String reason, boolean mime,
                    String inReplyTo) implements Action { }

    /** The header after editheader (RFC 5293): the delivered copy carries exactly these fields. */
    record EditHeader(List<SieveMessage.Field> fields) implements Action { }
}
