package org.twinmail.filter.checks;

import org.twinmail.core.model.Account;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.store.AccountTraffic;

/**
 * Counts each delivered message for the console's top senders and receivers (store's
 * {@link AccountTraffic}, docs/console.md): as sent by the authenticated user (submission, JMAP's
 * EmailSubmission and SMS replies, which go through the submission chain), and as received by
 * each local account it goes to (MX and submission alike). In memory; the counts reach the store
 * in batches.
 */
public final class TrafficCount implements Check.Delivered {
    private final AccountTraffic traffic;

    public TrafficCount(AccountTraffic traffic) {
        this.traffic = traffic;
    }

    @Override
    public String name() {
        return "traffic-count";
    }

    @Override
    public void delivered(Client client, Envelope envelope) {
        long bytes = envelope.messageSize();
        client.user().ifPresent(u -> traffic.sent(u.address(), bytes));
        for (Account a : envelope.accounts()) traffic.received(a.address().toString(), bytes);
    }
}
