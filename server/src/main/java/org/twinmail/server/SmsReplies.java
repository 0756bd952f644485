package org.twinmail.server;

import java.net.InetAddress;
import java.util.List;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.jmap.submission.Submitter;
import org.twinmail.sms.reply.ReplySubmission;

/**
 * Replies by SMS through the node's submission pipeline: JMAP's {@link Submitter} over the same
 * submission chain as SMTP submission (so the sending limits count all three), naming itself
 * "sms" to the filter and "SMS" in the Received field. The message leaves through the outbound
 * queue, whose relay DKIM-signs it.
 */
final class SmsReplies implements ReplySubmission {
    private final Submitter submitter;

    SmsReplies(Submitter submitter) {
        this.submitter = submitter;
    }

    @Override
    public Result submit(Account account, EmailAddress to, byte[] message) {
        Submitter.Outcome o = submitter.submit(new AuthenticatedUser(account.id(), account.address().toString()), InetAddress.getLoopbackAddress(),
                account.address(), List.of(to), message);
        return switch (o) {
            case Submitter.Outcome.Sent s -> new Result.Sent(s.queueId());
            case Submitter.Outcome.SenderRefused r -> new Result.Refused(r.reason(), r.reply());
            case Submitter.Outcome.RecipientsRefused r -> new Result.Refused("recipient", String.join("; ", r.replies().values()));
            case Submitter.Outcome.MessageRefused r -> new Result.Refused(r.reason(), r.reply());
        };
    }
}
