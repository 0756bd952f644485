package org.twinmail.filter.connect;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.net.AddressRange;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Verdict;

/**
 * Early-talker test ({@code filter.pregreet}), as Postfix postscreen's greet wait: the greeting
 * is held back for {@code wait}, and a client that sends anything in that time has not waited
 * for the 220 that RFC 5321 3.1 says it must, as spam bots do. It is refused with 554 5.5.1
 * (reason {@code pregreet}, counted in {@code twinmail.filter.verdicts}) and disconnected.
 * A client that stays silent is greeted after the wait. Clients in the allow networks and in
 * {@code smtp.relayNetworks} are greeted at once. Last at the connect, so the DNS checks before
 * it use the same time.
 */
public final class Pregreet implements Check.Connect {
    /** Longest wait accepted: a client gives up on a server that does not greet (RFC 5321 4.5.3.2.1 says 5 minutes, bots much sooner). */
    static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final Duration wait;
    private final List<AddressRange> allow;

    public Pregreet(Duration wait, List<AddressRange> allow) {
        if (wait.isNegative() || wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("filter.pregreet.wait must be above 0 and at most " + MAX_WAIT.toSeconds() + "s: " + wait);
        }
        this.wait = wait;
        this.allow = List.copyOf(allow);
    }

    public static Pregreet fromConfig(TwinmailConfig.Pregreet c, List<String> relayNetworks) {
        return new Pregreet(c.wait, ReverseDns.ranges("filter.pregreet.allowNetworks", c.allowNetworks, relayNetworks));
    }

    @Override
    public String name() {
        return "pregreet";
    }

    @Override
    public Verdict connect(Client client) throws IOException {
        InetAddress ip = client.ip();
        for (AddressRange r : allow) if (r.contains(ip)) return Verdict.proceed();
        if (!client.earlyTalk().within(wait)) return Verdict.proceed();
        return Verdict.reject(554, "5.5.1", "Error: you talked before my greeting", "pregreet");
    }
}
