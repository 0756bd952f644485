package org.twinmail.filter.dnsbl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.net.AddressRange;
import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Verdict;

/**
 * DNS block lists at the connect, scored as Postfix's postscreen does ({@code filter.dnsbl}):
 * the client's address is looked up in every list at once ({@code 4.3.2.1.zone} for 1.2.3.4,
 * nibbles for IPv6); each list that lists it adds its weight (negative for allow-lists such as
 * list.dnswl.org), and a total at or above the threshold is refused with 554 5.7.1 naming the
 * heaviest list that matched (reason {@code dnsbl_listed}). Clients in the allow networks are
 * never looked up. A list that does not answer counts as not listing the client (fail-open),
 * so a DNS outage never refuses mail.
 */
public final class Dnsbl implements Check.Connect {
    /**
     * One list: {@code zone}, {@code zone*weight}, {@code zone=127.0.0.2*weight} (only that
     * answer counts) or {@code zone=127.0.0.[2;4]} (any of these last octets).
     */
    public record DnsList(String zone, List<String> answers, int weight) {
        private static final Pattern SYNTAX = Pattern.compile(
                "([a-z0-9_-]+(?:\\.[a-z0-9_-]+)+)(?:=(127\\.0\\.0\\.(?:\\d{1,3}|\\[\\d{1,3}(?:;\\d{1,3})*\\])))?(?:\\*(-?\\d{1,3}))?");

        public static DnsList parse(String text) {
            Matcher m = SYNTAX.matcher(text.strip().toLowerCase(Locale.ROOT));
            if (!m.matches()) throw new IllegalArgumentException("filter.dnsbl.lists: not zone[=127.0.0.x][*weight]: " + text);
            List<String> answers = new ArrayList<>();
            if (m.group(2) != null) {
                String last = m.group(2).substring("127.0.0.".length());
                for (String o : last.replace("[", "").replace("]", "").split(";")) {
                    if (Integer.parseInt(o) > 255) throw new IllegalArgumentException("filter.dnsbl.lists: bad address in " + text);
                    answers.add("127.0.0." + Integer.parseInt(o));
                }
            }
            int weight = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
            return new DnsList(m.group(1), List.copyOf(answers), weight);
        }

        boolean lists(List<InetAddress> found) {
            for (InetAddress a : found) {
                String s = a.getHostAddress();
                if (answers.isEmpty() ? s.startsWith("127.") : answers.contains(s)) return true;
            }
            return false;
        }
    }

    private final DnsLookups dns;
    private final List<DnsList> lists;
    private final int threshold;
    private final List<AddressRange> allow;

    public Dnsbl(DnsLookups dns, List<DnsList> lists, int threshold, List<AddressRange> allow) {
        if (threshold < 1) throw new IllegalArgumentException("filter.dnsbl.threshold must be at least 1");
        this.dns = dns;
        this.lists = List.copyOf(lists);
        this.threshold = threshold;
        this.allow = List.copyOf(allow);
    }

    public static Dnsbl fromConfig(TwinmailConfig.Dnsbl c, DnsLookups dns) {
        List<DnsList> lists = c.lists.stream().map(DnsList::parse).toList();
        List<AddressRange> allow = new ArrayList<>();
        for (String n : c.allowNetworks) {
            try {
                allow.add(AddressRange.parse(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("filter.dnsbl.allowNetworks: " + e.getMessage(), e);
            }
        }
        return new Dnsbl(dns, lists, c.threshold, allow);
    }

    @Override
    public String name() {
        return "dnsbl";
    }

    /** The name to look up in {@code zone}: the address's octets (IPv4) or nibbles (IPv6) reversed. */
    static String query(InetAddress ip, String zone) {
        byte[] b = ip.getAddress();
        StringBuilder q = new StringBuilder();
        if (ip instanceof Inet4Address) {
            for (int i = b.length - 1; i >= 0; i--) q.append(b[i] & 0xff).append('.');
        } else {
            for (int i = b.length - 1; i >= 0; i--) q.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
        }
        return q.append(zone).toString();
    }

    @Override
    public Verdict connect(Client client) {
        InetAddress ip = client.ip();
        for (AddressRange r : allow) if (r.contains(ip)) return Verdict.proceed();
        List<Future<DnsAnswer<InetAddress>>> answers = new ArrayList<>();
        try (ExecutorService all = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DnsList l : lists) answers.add(all.submit(() -> dns.a(query(ip, l.zone()))));
        }
        int score = 0;
        DnsList heaviest = null;
        for (int i = 0; i < lists.size(); i++) {
            DnsAnswer<InetAddress> a;
            try {
                a = answers.get(i).get();
            } catch (Exception e) {
                continue; // fail-open, as for an unanswered query
            }
            DnsList l = lists.get(i);
            if (!l.lists(a.values())) continue;
            score += l.weight();
            if (l.weight() > 0 && (heaviest == null || l.weight() > heaviest.weight())) heaviest = l;
        }
        if (score >= threshold && heaviest != null) {
            return Verdict.reject(554, "5.7.1", "Service unavailable; client [" + ip.getHostAddress() + "] blocked using " + heaviest.zone(), "dnsbl_listed");
        }
        return Verdict.proceed();
    }
}
