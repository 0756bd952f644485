package org.twinmail.filter.checks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.net.AddressRange;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.store.RecipientResolution;

/**
 * RCPT on the MX: a recipient in a domain we do not serve is refused with 550 5.7.1 (reason
 * {@code relay_denied}) unless the client is in {@code smtp.relayNetworks} (Postfix's
 * mynetworks; empty by default), whose mail then goes into the outbound queue. Submission has
 * no such check: its users are authenticated and may send anywhere.
 */
public final class Relay implements Check.Rcpt {
    private final List<AddressRange> relayNetworks;

    public Relay(List<AddressRange> relayNetworks) {
        this.relayNetworks = List.copyOf(relayNetworks);
    }

    /** Parses {@code smtp.relayNetworks}; an entry that is not an address or CIDR range is a configuration error. */
    public static Relay of(List<String> relayNetworks) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String t : relayNetworks) {
            try {
                ranges.add(AddressRange.parse(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("smtp.relayNetworks: " + e.getMessage(), e);
            }
        }
        return new Relay(ranges);
    }

    @Override
    public String name() {
        return "relay";
    }

    /** True when a client at {@code address} may relay through the MX without AUTH. */
    public boolean mayRelay(InetAddress address) {
        for (AddressRange r : relayNetworks) if (r.contains(address)) return true;
        return false;
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (recipient.resolution() instanceof RecipientResolution.NotLocal && !recipient.srsReturn() && !mayRelay(client.ip())) {
            return Verdict.reject(550, "5.7.1", recipient.shown() + ": Relay access denied", "relay_denied");
        }
        return Verdict.proceed();
    }
}
