package org.twinmail.filter.checks;

import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Verdict;

/**
 * MAIL: a SIZE= (RFC 1870) over {@code smtp.maxMessageSize} is refused at once with 552 5.3.4
 * (RFC 1870 6.1: a permanent failure), reason {@code too_big}. The size of what really arrives
 * is bounded while it is read, whatever was declared.
 */
public final class DeclaredSize implements Check.Mail {
    private final long maxMessageSize;

    public DeclaredSize(long maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    public String name() {
        return "declared-size";
    }

    @Override
    public Verdict mail(Client client, Envelope envelope) {
        if (envelope.declaredSize().isPresent() && envelope.declaredSize().getAsLong() > maxMessageSize) {
            return Verdict.reject(552, "5.3.4", "Error: message size exceeds fixed limit of " + maxMessageSize + " bytes", "too_big");
        }
        return Verdict.proceed();
    }
}
