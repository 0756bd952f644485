package org.twinmail.store;

import java.time.Instant;
import org.twinmail.core.mail.EmailAddress;

/**
 * One remote recipient of a queued message, as {@link MailStore#claimQueued} hands it to the
 * delivery code, with what it needs of its message.
 *
 * @param id           the recipient's row, named again in its {@link QueueOutcome}
 * @param messageId    the queued message (the id {@code twinmail admin queue} shows)
 * @param recipient    the remote address
 * @param sender       envelope sender; empty for the null sender
 * @param blobId       content address of the message ({@link MailStore#openBlob})
 * @param size         message size in bytes
 * @param arrival      when the message was accepted
 * @param smtputf8     submitted with SMTPUTF8
 * @param eightBitMime submitted with BODY=8BITMIME
 * @param attempts     delivery attempts so far
 * @param warned       a delay warning has been sent for this recipient
 * @param lastReply    the last attempt's result (a remote reply or our own diagnosis), or null
 */
public record QueuedRecipient(long id, long messageId, EmailAddress recipient, String sender, String blobId, long size,
                              Instant arrival, boolean smtputf8, boolean eightBitMime, int attempts, boolean warned,
                              String lastReply) { }
