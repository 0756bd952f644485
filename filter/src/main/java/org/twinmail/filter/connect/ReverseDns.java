package org.twinmail.filter.connect;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.net.AddressRange;
import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Verdict;

/**
 * Reverse DNS of the client at the connect ({@code filter.reverseDns}): the PTR records of its
 * address, then the A (or AAAA) records of each name they give, at most {@link #MAX_NAMES}. A
 * name that resolves back to the address confirms it (FCrDNS) and the client passes. An address
 * without PTR ({@code rdns_missing}) or whose names do not come back to it ({@code
 * rdns_mismatch}) gets its configured {@link Action}. A DNS failure never refuses for good:
 * where the action would reject it answers 450 4.7.25 ({@code rdns_tempfail}), the client
 * retries; otherwise the client passes (fail-open). Clients in the allow networks are not
 * looked up.
 */
public final class ReverseDns implements Check.Connect {
    /** PTR names whose addresses are looked up, as SPF's ptr mechanism limits them (RFC 7208 5.5). */
    static final int MAX_NAMES = 10;
    static final String FIELD = "X-Reverse-DNS";
    static final String JUNK_KEYWORD = "$Junk";

    /** What a client that fails the test gets. */
    public enum Action {
        /** Nothing (the test is not made for this case). */
        NONE,
        /** An {@code X-Reverse-DNS} header field on the message. */
        TAG,
        /** The header field, and the message filed into the recipients' Junk with {@code $Junk}. */
        JUNK,
        /** 550 5.7.25 at the connect (RFC 7372: reverse DNS validation failed). */
        REJECT;

        public static Action parse(String setting, String value) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": none, tag, junk or reject, not " + value, e);
            }
        }
    }

    private final DnsLookups dns;
    private final Action missing;
    private final Action mismatch;
    private final List<AddressRange> allow;

    public ReverseDns(DnsLookups dns, Action missing, Action mismatch, List<AddressRange> allow) {
        this.dns = dns;
        this.missing = missing;
        this.mismatch = mismatch;
        this.allow = List.copyOf(allow);
    }

    /** Whether the configuration asks for the test: an action other than none (the settings are checked). */
    public static boolean enabled(TwinmailConfig.ReverseDns c) {
        return Action.parse("filter.reverseDns.missing", c.missing) != Action.NONE
                || Action.parse("filter.reverseDns.mismatch", c.mismatch) != Action.NONE;
    }

    public static ReverseDns fromConfig(TwinmailConfig.ReverseDns c, List<String> relayNetworks, DnsLookups dns) {
        Action missing = Action.parse("filter.reverseDns.missing", c.missing);
        Action mismatch = Action.parse("filter.reverseDns.mismatch", c.mismatch);
        return new ReverseDns(dns, missing, mismatch, ranges("filter.reverseDns.allowNetworks", c.allowNetworks, relayNetworks));
    }

    /** The ranges of a setting and of {@code smtp.relayNetworks} (our own clients are never tested). */
    static List<AddressRange> ranges(String setting, List<String> networks, List<String> relayNetworks) {
        List<AddressRange> out = new ArrayList<>();
        for (String n : networks) {
            try {
                out.add(AddressRange.parse(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
            }
        }
        for (String n : relayNetworks) out.add(AddressRange.parse(n));
        return out;
    }

    @Override
    public String name() {
        return "reverse-dns";
    }

    @Override
    public Verdict connect(Client client) {
        InetAddress ip = client.ip();
        for (AddressRange r : allow) if (r.contains(ip)) return Verdict.proceed();
        String shown = ip.getHostAddress();
        DnsAnswer<String> ptr = dns.ptr(ip);
        switch (ptr) {
            case DnsAnswer.Failed<String> f -> {
                return dnsFailure(shown);
            }
            case DnsAnswer.NxDomain<String> n -> {
                return act(missing, "rdns_missing", "cannot find your reverse hostname, [" + shown + "]", "none (no PTR for " + shown + ")");
            }
            case DnsAnswer.NoData<String> n -> {
                return act(missing, "rdns_missing", "cannot find your reverse hostname, [" + shown + "]", "none (no PTR for " + shown + ")");
            }
            case DnsAnswer.Records<String> r -> {
                if (mismatch == Action.NONE) return Verdict.proceed();
                boolean failed = false;
                List<String> names = r.values();
                for (int i = 0; i < Math.min(names.size(), MAX_NAMES); i++) {
                    DnsAnswer<InetAddress> forward = ip instanceof Inet4Address ? dns.a(names.get(i)) : dns.aaaa(names.get(i));
                    if (forward instanceof DnsAnswer.Failed) failed = true;
                    if (forward.values().contains(ip)) return Verdict.proceed();
                }
                if (failed) return dnsFailure(shown);
                String name = Printable.of(names.getFirst());
                return act(mismatch, "rdns_mismatch", "hostname " + name + " does not resolve to address " + shown,
                        "mismatch (" + name + " does not resolve to " + shown + ")");
            }
        }
    }

    private Verdict dnsFailure(String shown) {
        if (missing == Action.REJECT || mismatch == Action.REJECT) {
            return Verdict.tempfail(450, "4.7.25", "Client host rejected: cannot find your reverse hostname, [" + shown + "]", "rdns_tempfail");
        }
        return Verdict.proceed(); // fail-open: a DNS outage never marks mail
    }

    private static Verdict act(Action action, String reason, String text, String fieldValue) {
        return switch (action) {
            case NONE -> Verdict.proceed();
            case TAG -> Verdict.addHeaders(reason, new HeaderField(FIELD, fieldValue));
            case JUNK -> Verdict.effects(Verdict.addHeaders(reason, new HeaderField(FIELD, fieldValue)),
                    Verdict.fileInto(SpecialUse.JUNK, Set.of(JUNK_KEYWORD), reason));
            case REJECT -> Verdict.reject(550, "5.7.25", "Client host rejected: " + text, reason);
        };
    }
}
