package org.twinmail.smtp.session;

import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.smtp.data.QueueId;

/** MAIL FROM (RFC 5321 4.1.1.2): checks the envelope parameters and opens a transaction. */
final class MailHandler {
    private final SessionSettings settings;
    private final SmtpMetrics metrics;

    MailHandler(SessionSettings settings, SmtpMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /** The reply, and the new transaction if MAIL was accepted. */
    record Result(Reply reply, Transaction transaction) { }

    Result mail(SmtpCommand.Mail cmd, boolean esmtp) {
        if (!esmtp && !cmd.parameters().isEmpty()) {
            // After HELO no extension was advertised, so no parameter can be in effect (RFC 5321 4.1.1.11).
            metrics.rejected(RejectReason.SYNTAX);
            return new Result(Reply.of(555, "5.5.4", "Error: MAIL parameters need EHLO"), null);
        }
        if (cmd.parameters().auth() && settings.mode() == SmtpMode.MX) {
            // RFC 4954 5: the AUTH parameter belongs to the AUTH extension, which the MX does not offer.
            metrics.rejected(RejectReason.SYNTAX);
            return new Result(Reply.of(555, "5.5.4", "Error: unsupported MAIL parameter AUTH"), null);
        }
        if (cmd.parameters().size().isPresent() && cmd.parameters().size().getAsLong() > settings.maxMessageSize()) {
            // RFC 1870 6.1: a declared size over our fixed limit is a permanent failure.
            metrics.rejected(RejectReason.TOO_BIG);
            return new Result(Reply.of(552, "5.3.4", "Error: message size exceeds fixed limit of "
                    + settings.maxMessageSize() + " bytes"), null);
        }
        Transaction tx = new Transaction(QueueId.next(), cmd.sender(), cmd.parameters());
        return new Result(Reply.of(250, "2.1.0", "Ok"), tx);
    }
}
