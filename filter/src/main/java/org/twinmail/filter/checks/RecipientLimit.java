package org.twinmail.filter.checks;

import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;

/**
 * RCPT: at most {@code max} recipients per message ({@code smtp.maxRecipients}; submission:
 * {@code submission.maxRecipientsPerMessage} if lower). More get 452 4.5.3 (RFC 5321 4.5.3.1.10),
 * reason {@code too_many_recipients}, so the client sends the rest in a later transaction. A
 * well-behaved client that pipelined a long list is not punished for it: as many again as the
 * limit do not count toward {@code smtp.maxErrors} (Postfix's smtpd_recipient_overshoot_limit).
 */
public final class RecipientLimit implements Check.Rcpt {
    static final String REASON = "too_many_recipients";

    private final int max;

    public RecipientLimit(int max) {
        if (max < 1) throw new IllegalArgumentException("the recipient limit must be at least 1");
        this.max = max;
    }

    @Override
    public String name() {
        return "recipient-limit";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (envelope.recipients().size() < max) return Verdict.proceed();
        Verdict.Tempfail refusal = Verdict.tempfail(452, "4.5.3", "Error: too many recipients", REASON);
        int overshoot = envelope.refused(REASON) + 1;
        return overshoot <= max ? refusal.exempt() : refusal;
    }
}
