package org.twinmail.filter.checks;

import java.time.Duration;
import org.twinmail.core.mail.DurationText;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Verdict;

/**
 * Submission: a user who has sent {@code submission.maxMessagesPerHour} messages in the last
 * {@code submission.sendingLimitWindow} gets 450 4.7.1 at MAIL (reason {@code rate_limit}) until
 * the oldest of them leaves the window. A message counts once it is delivered.
 */
public final class SendingRate implements Check.Mail, Check.Delivered {
    private final SendingLimits limits;

    public SendingRate(SendingLimits limits) {
        this.limits = limits;
    }

    @Override
    public String name() {
        return "sending-rate";
    }

    @Override
    public Verdict mail(Client client, Envelope envelope) {
        if (client.user().isEmpty() || limits.mayStart(client.user().get().accountId())) return Verdict.proceed();
        return Verdict.tempfail(450, "4.7.1", "Error: sending rate limit exceeded (" + limits.maxPerWindow()
                + " messages per " + per(limits.window()) + "), try again later", "rate_limit");
    }

    @Override
    public void delivered(Client client, Envelope envelope) {
        client.user().ifPresent(u -> limits.sent(u.accountId()));
    }

    private static String per(Duration window) {
        return window.equals(Duration.ofHours(1)) ? "hour" : DurationText.format(window);
    }
}
