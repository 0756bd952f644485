package org.twinmail.filter.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.filter.auth.SpfRecord.Directive;
import org.twinmail.filter.auth.SpfResult.Result;

/**
 * SPF evaluation (RFC 7208 4, check_host()) on {@link DnsLookups}: every mechanism and
 * modifier, macros, at most {@link #MAX_LOOKUPS} DNS-querying terms (include, a, mx, ptr,
 * exists, redirect) and {@link #MAX_VOID_LOOKUPS} void lookups per check, at most 10 MX and
 * 10 PTR names looked up per term. Thread-safe; one instance serves every session.
 */
public final class Spf {
    public static final int MAX_LOOKUPS = 10;
    public static final int MAX_VOID_LOOKUPS = 2;
    private static final int MAX_NAMES = 10;

    private final DnsLookups dns;
    private final String receiver;
    private final Clock clock;

    /** @param receiver our host name (%{r} in explanations) */
    public Spf(DnsLookups dns, String receiver, Clock clock) {
        this.dns = dns;
        this.receiver = receiver;
        this.clock = clock;
    }

    /**
     * The check at MAIL FROM: the envelope sender's domain, or the HELO name when the sender is
     * null (RFC 7208 2.4), with {@code postmaster@<helo>} as the sender.
     *
     * @param sender the MAIL FROM address, or null/empty for {@code <>}
     */
    public SpfResult check(InetAddress ip, String sender, String helo) {
        String h = helo == null ? "" : helo.toLowerCase(Locale.ROOT);
        boolean heloIdentity = sender == null || sender.isEmpty();
        String s = heloIdentity ? "postmaster@" + h : sender;
        int at = s.lastIndexOf('@');
        String local = at <= 0 ? "postmaster" : s.substring(0, at);
        String domain = (at < 0 ? s : s.substring(at + 1)).toLowerCase(Locale.ROOT);
        if (at <= 0) s = local + "@" + domain;
        String identity = heloIdentity ? "helo" : "mailfrom";
        if (!validDomain(domain)) return new SpfResult(Result.NONE, identity, domain, s, "no valid domain to check", "");
        State st = new State(new SpfMacro.Context(s, local, domain, domain, ip, h, receiver, clock.instant().getEpochSecond()));
        try {
            Outcome o = checkHost(st, domain, 0);
            return new SpfResult(o.result, identity, domain, s, o.reason, o.explanation);
        } catch (SpfError e) {
            return new SpfResult(e.result, identity, domain, s, e.getMessage(), "");
        }
    }

    private record Outcome(Result result, String reason, String explanation) {}

    private static final class State {
        final SpfMacro.Context base;
        int lookups;
        int voids;

        State(SpfMacro.Context base) {
            this.base = base;
        }

        SpfMacro.Context at(String domain) {
            return new SpfMacro.Context(base.sender(), base.localPart(), base.senderDomain(), domain, base.ip(), base.helo(), base.receiver(), base.timestamp());
        }

        void count() {
            if (++lookups > MAX_LOOKUPS) throw new SpfError(Result.PERMERROR, "more than " + MAX_LOOKUPS + " DNS lookups");
        }
    }

    /** Ends the evaluation with temperror or permerror. */
    private static final class SpfError extends RuntimeException {
        final Result result;

        SpfError(Result result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    private Outcome checkHost(State st, String domain, int depth) {
        if (!validDomain(domain)) return new Outcome(Result.NONE, "not a domain: " + SpfRecord.clip(domain), "");
        SpfRecord record = fetch(st, domain);
        if (record == null) return new Outcome(Result.NONE, "no SPF record for " + domain, "");
        SpfMacro.Context ctx = st.at(domain);
        InetAddress ip = st.base.ip();
        for (Directive d : record.directives()) {
            if (matches(st, ctx, domain, d, ip, depth)) {
                String reason = domain + ": " + d.qualifier().token() + " by " + d.mechanism().name().toLowerCase(Locale.ROOT);
                String exp = d.qualifier() == Result.FAIL ? explanation(record, ctx) : "";
                return new Outcome(d.qualifier(), reason, exp);
            }
        }
        if (record.redirect() != null) {
            st.count();
            String target = expandDomain(record.redirect(), ctx);
            Outcome o = checkHost(st, target, depth + 1);
            if (o.result == Result.NONE) throw new SpfError(Result.PERMERROR, "redirect to " + target + ": no SPF record");
            return o;
        }
        return new Outcome(Result.NEUTRAL, domain + ": no mechanism matched", "");
    }

    /** The domain's one SPF record, null if it has none; several are a permerror (RFC 7208 4.5). */
    private SpfRecord fetch(State st, String domain) {
        DnsAnswer<String> txt = dns.txt(domain);
        if (txt instanceof DnsAnswer.Failed<String> f) throw new SpfError(Result.TEMPERROR, "DNS: " + f.reason());
        List<String> spf = txt.values().stream().filter(SpfRecord::isSpf).toList();
        if (spf.isEmpty()) return null;
        if (spf.size() > 1) throw new SpfError(Result.PERMERROR, domain + ": more than one SPF record");
        try {
            return SpfRecord.parse(spf.getFirst());
        } catch (SpfSyntaxException e) {
            throw new SpfError(Result.PERMERROR, domain + ": " + e.getMessage());
        }
    }

    private boolean matches(State st, SpfMacro.Context ctx, String domain, Directive d, InetAddress ip, int depth) {
        boolean v4 = ip instanceof Inet4Address;
        return switch (d.mechanism()) {
            case ALL -> true;
            case IP4, IP6 -> sameFamily(ip, d.network()) && inNetwork(ip, d.network(), v4 ? d.cidr4() : d.cidr6());
            case INCLUDE -> {
                st.count();
                String target = expandDomain(d.domainSpec(), ctx);
                Outcome o = checkHost(st, target, depth + 1);
                yield switch (o.result) {
                    case PASS -> true;
                    case FAIL, SOFTFAIL, NEUTRAL -> false;
                    case TEMPERROR -> throw new SpfError(Result.TEMPERROR, "include:" + target + ": " + o.reason);
                    case PERMERROR, NONE -> throw new SpfError(Result.PERMERROR, "include:" + target + ": " + o.reason);
                };
            }
            case A -> {
                st.count();
                String target = d.domainSpec() == null ? domain : expandDomain(d.domainSpec(), ctx);
                yield anyInNetwork(addresses(st, target, v4), ip, v4 ? d.cidr4() : d.cidr6());
            }
            case MX -> {
                st.count();
                String target = d.domainSpec() == null ? domain : expandDomain(d.domainSpec(), ctx);
                DnsAnswer<String> mx = dns.mx(target);
                List<String> hosts = values(st, mx, "MX " + target);
                if (hosts.size() > MAX_NAMES) throw new SpfError(Result.PERMERROR, target + ": more than " + MAX_NAMES + " MX records");
                boolean hit = false;
                for (String host : hosts) hit |= anyInNetwork(addresses(st, host, v4), ip, v4 ? d.cidr4() : d.cidr6());
                yield hit;
            }
            case PTR -> {
                st.count();
                String target = d.domainSpec() == null ? domain : expandDomain(d.domainSpec(), ctx);
                DnsAnswer<String> names = dns.ptr(ip);
                if (names instanceof DnsAnswer.Failed<String>) yield false; // RFC 7208 5.5: a PTR error is no match
                if (!(names instanceof DnsAnswer.Records<String>)) {
                    void_(st);
                    yield false;
                }
                int n = 0;
                for (String name : names.values()) {
                    if (++n > MAX_NAMES) break;
                    DnsAnswer<InetAddress> back = v4 ? dns.a(name) : dns.aaaa(name);
                    if (!back.values().contains(ip)) continue; // not forward-confirmed (errors too: skipped)
                    if (name.equals(target) || name.endsWith("." + target)) yield true;
                }
                yield false;
            }
            case EXISTS -> {
                st.count();
                String target = expandDomain(d.domainSpec(), ctx);
                yield !values(st, dns.a(target), "A " + target).isEmpty(); // always A, even for IPv6 clients (RFC 7208 5.7)
            }
        };
    }

    private List<InetAddress> addresses(State st, String host, boolean v4) {
        return values(st, v4 ? dns.a(host) : dns.aaaa(host), (v4 ? "A " : "AAAA ") + host);
    }

    /** The records; an error is a temperror, an empty answer a void lookup (RFC 7208 4.6.4). */
    private static <T> List<T> values(State st, DnsAnswer<T> answer, String what) {
        return switch (answer) {
            case DnsAnswer.Records<T> r -> r.values();
            case DnsAnswer.Failed<T> f -> throw new SpfError(Result.TEMPERROR, "DNS " + what + ": " + f.reason());
            case DnsAnswer.NoData<T> n -> {
                void_(st);
                yield List.of();
            }
            case DnsAnswer.NxDomain<T> n -> {
                void_(st);
                yield List.of();
            }
        };
    }

    private static void void_(State st) {
        if (++st.voids > MAX_VOID_LOOKUPS) throw new SpfError(Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void DNS lookups");
    }

    private String explanation(SpfRecord record, SpfMacro.Context ctx) {
        if (record.exp() == null) return "";
        try {
            String name = expandDomain(record.exp(), ctx);
            List<String> txt = dns.txt(name).values();
            if (txt.size() != 1) return "";
            String text = SpfMacro.expand(txt.getFirst(), ctx, true);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < text.length() && b.length() < 512; i++) {
                char c = text.charAt(i);
                if (c >= 0x20 && c < 0x7f) b.append(c);
            }
            return b.toString();
        } catch (SpfSyntaxException | SpfError e) {
            return ""; // RFC 7208 6.2: an explanation that cannot be had is left out
        }
    }

    /** A domain-spec expanded, cut from the left to 253 characters (RFC 7208 7.3). */
    private static String expandDomain(String spec, SpfMacro.Context ctx) {
        String s;
        try {
            s = SpfMacro.expand(spec, ctx, false).toLowerCase(Locale.ROOT);
        } catch (SpfSyntaxException e) {
            throw new SpfError(Result.PERMERROR, e.getMessage());
        }
        if (s.endsWith(".")) s = s.substring(0, s.length() - 1);
        while (s.length() > 253 && s.indexOf('.') >= 0) s = s.substring(s.indexOf('.') + 1);
        return s;
    }

    /** RFC 7208 4.3: a fully qualified name of labels of 1 to 63 octets, at most 253 in all, with at least one dot. */
    static boolean validDomain(String d) {
        if (d.isEmpty() || d.length() > 253 || !d.contains(".") || d.startsWith(".") || d.contains("..")) return false;
        for (String label : d.split("\\.")) if (label.isEmpty() || label.length() > 63) return false;
        return true;
    }

    private static boolean sameFamily(InetAddress a, InetAddress b) {
        return a.getAddress().length == b.getAddress().length;
    }

    private static boolean anyInNetwork(List<InetAddress> networks, InetAddress ip, int prefix) {
        for (InetAddress n : networks) if (sameFamily(ip, n) && inNetwork(ip, n, prefix)) return true;
        return false;
    }

    static boolean inNetwork(InetAddress ip, InetAddress network, int prefix) {
        byte[] a = ip.getAddress();
        byte[] b = network.getAddress();
        if (a.length != b.length) return false;
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
        }
        return true;
    }
}
