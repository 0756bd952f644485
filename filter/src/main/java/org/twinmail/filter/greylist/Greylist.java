package org.twinmail.filter.greylist;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.net.AddressRange;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.filter.auth.Spf;
import org.twinmail.filter.auth.SpfResult;
import org.twinmail.store.RecipientResolution;

/**
 * Greylisting at RCPT (check {@code greylist}, MX, {@code filter.greylist.enabled}): the first
 * time a triplet (client network: IPv4 /24 or IPv6 /64, envelope sender, recipient) is seen, the
 * recipient is answered {@code 451 4.7.1 Greylisted} (reason {@code greylisted}); a retry after
 * {@code delay} and within {@code retryWindow} passes ({@code greylist_retried}) and the triplet
 * is remembered for {@code passTime} ({@code greylist_passed}). A client network with
 * {@code autoAllowAfter} triplets passed is no longer greylisted ({@code greylist_known_client}),
 * and neither is a sender whose domain has passed before and whose SPF passes now
 * ({@code greylist_known_domain}, with {@code filter.authentication.enabled}). Clients in
 * {@code filter.greylist.allowNetworks} and {@code smtp.relayNetworks}, and recipients that are
 * not local, are not greylisted. The 451 does not count toward {@code smtp.maxErrors}.
 *
 * <p>State is in memory, bounded by {@code maxEntries} per table (the oldest entries go first):
 * a restart or a takeover forgets it, and a sender is then greylisted once more, which is
 * greylisting's normal cost. Safe for many sessions at once.
 */
public final class Greylist implements Check.Rcpt {
    private final long delay;
    private final long retryWindow;
    private final long passTime;
    private final int autoAllowAfter;
    private final int maxEntries;
    private final List<AddressRange> allow;
    private final Spf spf;
    private final LongSupplier clock;

    /** triplet -> {first seen, last passed (0: not yet)} */
    private final Map<String, long[]> triplets;
    /** client network -> {triplets passed, last pass} */
    private final Map<String, long[]> clients;
    /** sender domain -> last pass */
    private final Map<String, Long> domains;

    public Greylist(TwinmailConfig.Greylist settings, List<String> alsoAllowed, Spf spf, LongSupplier clockMillis) {
        if (settings.delay.isNegative()) throw new IllegalArgumentException("filter.greylist.delay must not be negative");
        if (settings.retryWindow.compareTo(settings.delay) <= 0) {
            throw new IllegalArgumentException("filter.greylist.retryWindow must be longer than filter.greylist.delay");
        }
        if (settings.maxEntries < 1000) throw new IllegalArgumentException("filter.greylist.maxEntries must be at least 1000");
        if (settings.autoAllowAfter < 0) throw new IllegalArgumentException("filter.greylist.autoAllowAfter must not be negative");
        this.delay = settings.delay.toMillis();
        this.retryWindow = settings.retryWindow.toMillis();
        this.passTime = settings.passTime.toMillis();
        this.autoAllowAfter = settings.autoAllowAfter;
        this.maxEntries = settings.maxEntries;
        try {
            this.allow = java.util.stream.Stream.concat(settings.allowNetworks.stream(), alsoAllowed.stream()).map(AddressRange::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("filter.greylist.allowNetworks: " + e.getMessage(), e);
        }
        this.spf = spf;
        this.clock = clockMillis;
        this.triplets = bounded();
        this.clients = bounded();
        this.domains = bounded();
    }

    private <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > maxEntries;
            }
        };
    }

    @Override
    public String name() {
        return "greylist";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (!(recipient.resolution() instanceof RecipientResolution.Local) || allowed(client.ip())) return Verdict.proceed();
        String net = network(client.ip());
        String sender = envelope.sender().map(a -> a.toString().toLowerCase(Locale.ROOT)).orElse("");
        String domain = envelope.sender().map(EmailAddress::domain).orElse("");
        String key = net + " " + sender + " " + recipient.address().map(a -> a.toString().toLowerCase(Locale.ROOT)).orElse("");
        long now = clock.getAsLong();
        boolean knownDomain;
        synchronized (this) {
            long[] c = clients.get(net);
            if (autoAllowAfter > 0 && c != null && c[0] >= autoAllowAfter && now - c[1] < passTime) return Verdict.accept("greylist_known_client");
            long[] t = triplets.get(key);
            if (t != null && t[1] > 0 && now - t[1] < passTime) {
                t[1] = now;
                return Verdict.accept("greylist_passed");
            }
            if (t != null && t[1] == 0 && now - t[0] >= delay && now - t[0] <= retryWindow) {
                t[1] = now;
                long[] seen = clients.computeIfAbsent(net, k -> new long[2]);
                seen[0]++;
                seen[1] = now;
                if (!domain.isEmpty()) domains.put(domain, now);
                return Verdict.accept("greylist_retried");
            }
            Long d = domains.get(domain);
            knownDomain = spf != null && d != null && now - d < passTime;
        }
        if (knownDomain && spf.check(client.ip(), sender, client.helo() == null ? "" : client.helo()).result() == SpfResult.Result.PASS) {
            return Verdict.accept("greylist_known_domain");
        }
        synchronized (this) {
            long[] t = triplets.get(key);
            if (t == null || now - t[0] > retryWindow) triplets.put(key, new long[] {now, 0});
        }
        return Verdict.tempfail(451, "4.7.1", recipient.shown() + ": Recipient address rejected: Greylisted, try again later",
                "greylisted").exempt();
    }

    private boolean allowed(InetAddress ip) {
        for (AddressRange r : allow) if (r.contains(ip)) return true;
        return false;
    }

    /** IPv4 /24 or IPv6 /64: a sender's retries often come from another host of its pool. */
    static String network(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 16 && isV4Mapped(b)) b = java.util.Arrays.copyOfRange(b, 12, 16);
        if (b.length == 4) return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/24";
        return org.twinmail.core.policy.PolicyRecords.banKey(ip);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** For the log: the settings in force. */
    @Override
    public String toString() {
        return "greylist delay=" + Duration.ofMillis(delay) + " retryWindow=" + Duration.ofMillis(retryWindow);
    }
}
