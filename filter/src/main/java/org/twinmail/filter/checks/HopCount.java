package org.twinmail.filter.checks;

import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;

/**
 * DATA: a message that arrives with more than {@code smtp.maxHops} Received fields has been
 * around a loop (Postfix's hopcount_limit): 554 5.4.6, reason {@code loop}.
 */
public final class HopCount implements Check.Data {
    private final int maxHops;

    public HopCount(int maxHops) {
        if (maxHops < 1) throw new IllegalArgumentException("smtp.maxHops must be at least 1");
        this.maxHops = maxHops;
    }

    @Override
    public String name() {
        return "hop-count";
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) {
        if (message.receivedHeaders() > maxHops) {
            return Verdict.reject(554, "5.4.6", "Error: too many hops, mail loop detected", "loop");
        }
        return Verdict.proceed();
    }
}
