package org.twinmail.smtp.session;

import org.twinmail.filter.Client;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Disposition;
import org.twinmail.filter.Pipeline;
import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.smtp.data.QueueId;

/**
 * MAIL FROM (RFC 5321 4.1.1.2): checks that the parameters may be used here, then asks the
 * filter chain's MAIL stage (declared size; on submission the sender and the sending rate)
 * and opens a transaction if it passes.
 */
final class MailHandler {
    private final SessionSettings settings;
    private final Pipeline pipeline;
    private final Verdicts verdicts;

    MailHandler(SessionSettings settings, Pipeline pipeline, Verdicts verdicts) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.verdicts = verdicts;
    }

    /** The reply, and the new transaction if MAIL was accepted. */
    record Result(Reply reply, Transaction transaction) { }

    /** @param session the disposition the session's connect and HELO verdicts asked for */
    Result mail(SmtpCommand.Mail cmd, boolean esmtp, Client client, Disposition session) {
        if (!esmtp && !cmd.parameters().isEmpty()) {
            // After HELO no extension was advertised, so no parameter can be in effect (RFC 5321 4.1.1.11).
            verdicts.rejected(RejectReason.SYNTAX.tag());
            return new Result(Reply.of(555, "5.5.4", "Error: MAIL parameters need EHLO"), null);
        }
        if (cmd.parameters().auth() && settings.mode() == SmtpMode.MX) {
            // RFC 4954 5: the AUTH parameter belongs to the AUTH extension, which the MX does not offer.
            verdicts.rejected(RejectReason.SYNTAX.tag());
            return new Result(Reply.of(555, "5.5.4", "Error: unsupported MAIL parameter AUTH"), null);
        }
        Transaction tx = new Transaction(QueueId.next(), cmd.sender(), cmd.parameters(), session);
        Decision d = pipeline.mail(client, tx);
        verdicts.noted(d);
        if (d.refused()) return new Result(verdicts.reply(d.refusal()), null);
        tx.disposition().apply(d, java.util.List.of());
        return new Result(Reply.of(250, "2.1.0", "Ok"), tx);
    }
}
