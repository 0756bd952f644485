package org.twinmail.sms.reply;

import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;

/**
 * Where a reply by SMS is sent as mail: the node's submission pipeline, the one SMTP
 * submission and JMAP use (sender checks, sending limits, sizes, recipient checks), then the
 * store's delivery and the outbound queue, whose relay DKIM-signs it like any other outbound
 * mail. The server provides it (this module reaches neither the filter nor JMAP).
 */
@FunctionalInterface
public interface ReplySubmission {

    /** Sends {@code message} (RFC 5322, from the account's address) to {@code to} on the account's behalf. */
    Result submit(Account account, EmailAddress to, byte[] message);

    /** What became of it. */
    sealed interface Result {
        /** Accepted: delivered locally or queued for the relay. */
        record Sent(String queueId) implements Result { }

        /** Refused: {@code reason} the filter's reason ({@code rate_limit}, {@code unknown_user}...), {@code reply} the SMTP reply a client would have seen. */
        record Refused(String reason, String reply) implements Result { }
    }
}
