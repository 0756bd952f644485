package org.twinmail.store;

import java.util.List;
import org.twinmail.core.mail.EmailAddress;

/**
 * The remote part of an accepted message: what goes into the outbound queue.
 *
 * @param sender       the envelope sender (reverse-path without brackets); empty for the null
 *                     sender {@code <>} of a bounce, which must itself never be bounced
 * @param recipients   remote recipients, each queued once
 * @param smtputf8     the message was submitted with SMTPUTF8 (RFC 6531)
 * @param eightBitMime the message was submitted with BODY=8BITMIME (RFC 6152)
 */
public record Outbound(String sender, List<EmailAddress> recipients, boolean smtputf8, boolean eightBitMime) {
    public Outbound {
        if (sender == null) throw new IllegalArgumentException("sender is null; the null sender is \"\"");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("an outbound message needs at least one recipient");
    }
}
