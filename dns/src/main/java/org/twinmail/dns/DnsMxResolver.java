package org.twinmail.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupResult;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * {@link MxResolver} on dnsjava: MX records in preference order (equal preferences shuffled),
 * each host's A then AAAA addresses, the implicit MX of RFC 5321 5.1 when a domain has no MX,
 * and the null MX of RFC 7505. CNAMEs are followed the way dnsjava's {@link LookupSession} does
 * (an MX query for an alias answers for its target). Answers are kept in a bounded dnsjava
 * {@link Cache} that honours each record set's TTL (capped), negative answers included.
 *
 * <p>The same resolver and cache answer the general lookups of {@link DnsLookups} (A, AAAA,
 * TXT, PTR) for the filters: one cache per node, one error model ({@link DnsAnswer}).
 *
 * <p>IPv4 addresses come before IPv6 ones for each host: many hosts this runs on have no IPv6
 * route, and trying a dead address first costs a connect timeout per message.
 */
public final class DnsMxResolver implements MxResolver, DnsLookups {
    private static final Logger log = LoggerFactory.getLogger(DnsMxResolver.class);
    /** Every CNAME/DNAME hop costs a query; a longer chain is a broken zone (dnsjava's default is 16). */
    private static final int MAX_REDIRECTS = 8;

    private final LookupSession session;
    private final int maxMxHosts;
    /** Longest a single query may take: every server, every attempt, each its full timeout. */
    private final Duration queryBound;

    /**
     * @param servers the DNS servers to ask, in order; empty for those of /etc/resolv.conf
     * @param timeout wait for one answer before asking again
     * @param retries further attempts per server after a timeout
     * @param cacheSize record sets kept in the cache
     * @param cacheMaxTtl longest any record set (or negative answer) is cached
     * @param maxMxHosts MX hosts whose addresses are looked up; further (less preferred) ones are dropped
     */
    public DnsMxResolver(List<InetSocketAddress> servers, Duration timeout, int retries, int cacheSize, Duration cacheMaxTtl, int maxMxHosts) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("relay.dns.timeout must be positive");
        if (retries < 0) throw new IllegalArgumentException("relay.dns.retries must not be negative");
        if (cacheSize < 0) throw new IllegalArgumentException("relay.dns.cacheSize must not be negative");
        if (maxMxHosts < 1) throw new IllegalArgumentException("relay.dns.maxMxHosts must be at least 1");
        List<InetSocketAddress> use = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        if (use.isEmpty()) throw new IllegalArgumentException("no DNS servers: none in relay.dns.servers nor in /etc/resolv.conf");
        ExtendedResolver resolver = new ExtendedResolver(List.<Resolver>of());
        for (InetSocketAddress server : use) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(timeout); // one attempt at one server
            resolver.addResolver(r);
        }
        resolver.setRetries(retries + 1); // dnsjava counts attempts per server, the first one included
        // dnsjava notices an expired attempt on its selector thread's next pass, up to a second
        // late; the whole query's bound allows for that on every attempt.
        this.queryBound = timeout.plusSeconds(1).multipliedBy((long) (retries + 1) * use.size()).plusSeconds(1);
        resolver.setTimeout(queryBound); // the whole query, every attempt at every server
        this.maxMxHosts = maxMxHosts;

        Cache cache = new Cache(DClass.IN);
        cache.setMaxEntries(cacheSize);
        int maxTtl = (int) Math.min(Integer.MAX_VALUE, cacheMaxTtl.toSeconds());
        cache.setMaxCache(maxTtl);
        cache.setMaxNCache(maxTtl);
        // No search path and no hosts file: mail routing uses absolute names and the DNS only.
        // dnsjava runs its continuations on the common ForkJoinPool unless told otherwise; that
        // pool has one thread on a two-core machine, and anything blocking in it would stall
        // every lookup, so they get virtual threads of their own.
        this.session = LookupSession.builder()
                .resolver(resolver)
                .cache(cache)
                .executor(java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dns-", 0).factory()))
                .maxRedirects(MAX_REDIRECTS)
                .clearSearchPath()
                .build();
    }

    /** The resolver the {@code relay.dns} settings describe; a bad server address is a configuration error. */
    public static DnsMxResolver fromConfig(TwinmailConfig.Relay.Dns dns) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String s : dns.servers) servers.add(parseServer(s));
        return new DnsMxResolver(servers, dns.timeout, dns.retries, dns.cacheSize, dns.cacheMaxTtl, dns.maxMxHosts);
    }

    /** "host", "host:port", "[v6]:port" or a bare IPv6 address; port 53 when absent. */
    static InetSocketAddress parseServer(String text) {
        String s = text.strip();
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("relay.dns.servers: unclosed '[' in " + text);
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new IllegalArgumentException("relay.dns.servers: not host:port: " + text);
                port = parsePort(rest.substring(1), text);
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = parsePort(s.substring(s.indexOf(':') + 1), text);
        }
        if (host.isEmpty()) throw new IllegalArgumentException("relay.dns.servers: empty host in " + text);
        try {
            // Resolved once, here: a DNS server named by a host name cannot need the DNS at every query.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("relay.dns.servers: unknown host " + host);
        }
    }

    private static int parsePort(String port, String text) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) throw new NumberFormatException();
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("relay.dns.servers: bad port in " + text);
        }
    }

    @Override
    public MxLookup lookup(String domain) {
        Name name;
        try {
            name = Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            return new MxLookup.NoSuchDomain("not a domain name: " + domain);
        }
        if (name.equals(Name.root)) return new MxLookup.NoSuchDomain("not a domain name: " + domain);
        try {
            Answer mx = query(name, Type.MX);
            return switch (mx) {
                case Answer.Records r -> fromMx(domain, name, r.records());
                case Answer.NoData n -> implicitMx(domain, name);
                case Answer.NxDomain n -> new MxLookup.NoSuchDomain(domain + ": no such domain (NXDOMAIN)");
                case Answer.Failed f -> new MxLookup.TemporaryFailure(domain + ": MX lookup failed: " + f.reason());
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MxLookup.TemporaryFailure(domain + ": MX lookup interrupted");
        }
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return general(name, Type.A, r -> r instanceof ARecord ar ? ar.getAddress() : null);
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return general(name, Type.AAAA, r -> r instanceof AAAARecord ar ? ar.getAddress() : null);
    }

    @Override
    public DnsAnswer<String> mx(String name) {
        DnsAnswer<MXRecord> records = general(name, Type.MX, r -> r instanceof MXRecord m ? m : null);
        if (!(records instanceof DnsAnswer.Records<MXRecord> r)) {
            return switch (records) {
                case DnsAnswer.NoData<MXRecord> n -> new DnsAnswer.NoData<>();
                case DnsAnswer.NxDomain<MXRecord> n -> new DnsAnswer.NxDomain<>();
                case DnsAnswer.Failed<MXRecord> f -> new DnsAnswer.Failed<>(f.reason());
                case DnsAnswer.Records<MXRecord> x -> throw new AssertionError();
            };
        }
        List<MXRecord> sorted = new ArrayList<>(r.values());
        sorted.sort(Comparator.comparingInt(MXRecord::getPriority));
        List<String> hosts = new ArrayList<>();
        for (MXRecord m : sorted) if (!hosts.contains(hostText(m.getTarget()))) hosts.add(hostText(m.getTarget()));
        return new DnsAnswer.Records<>(hosts);
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return general(name, Type.TXT, r -> {
            if (!(r instanceof TXTRecord t)) return null;
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            for (byte[] part : t.getStringsAsByteArrays()) joined.writeBytes(part);
            return joined.toString(java.nio.charset.StandardCharsets.UTF_8);
        });
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return general(ReverseMap.fromAddress(address), Type.PTR, r -> r instanceof PTRRecord p ? hostText(p.getTarget()) : null);
    }

    private <T> DnsAnswer<T> general(String text, int type, java.util.function.Function<Record, T> value) {
        Name name;
        try {
            name = Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            return new DnsAnswer.Failed<>("not a domain name: " + text);
        }
        if (name.equals(Name.root)) return new DnsAnswer.Failed<>("not a domain name: " + text);
        return general(name, type, value);
    }

    private <T> DnsAnswer<T> general(Name name, int type, java.util.function.Function<Record, T> value) {
        try {
            return switch (query(name, type)) {
                case Answer.Records r -> {
                    List<T> values = new ArrayList<>();
                    for (Record x : r.records()) {
                        T v = value.apply(x);
                        if (v != null && !values.contains(v)) values.add(v);
                    }
                    yield values.isEmpty() ? new DnsAnswer.NoData<>() : new DnsAnswer.Records<>(values);
                }
                case Answer.NoData n -> new DnsAnswer.NoData<>();
                case Answer.NxDomain n -> new DnsAnswer.NxDomain<>();
                case Answer.Failed f -> new DnsAnswer.Failed<>(hostText(name) + "/" + Type.string(type) + ": " + f.reason());
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DnsAnswer.Failed<>(hostText(name) + "/" + Type.string(type) + ": interrupted");
        }
    }

    private MxLookup fromMx(String domain, Name name, List<Record> records) throws InterruptedException {
        List<MXRecord> mxs = new ArrayList<>();
        for (Record r : records) if (r instanceof MXRecord m) mxs.add(m);
        if (mxs.isEmpty()) return implicitMx(domain, name);
        // RFC 7505 3: a single MX whose exchange is the root is a null MX. A root exchange next to
        // real ones breaks "MUST NOT advertise any other MX"; the real ones are then used, and the
        // root (which has no address anyway) is skipped below.
        if (mxs.size() == 1 && mxs.getFirst().getTarget().equals(Name.root)) return new MxLookup.NullMx();

        // RFC 5321 5.1: lowest preference first; hosts of equal preference in random order, so
        // that senders spread their load as the domain intended.
        Collections.shuffle(mxs, ThreadLocalRandom.current());
        mxs.sort(Comparator.comparingInt(MXRecord::getPriority));
        Map<Name, Integer> targets = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (MXRecord m : mxs) {
            Name target = m.getTarget();
            if (target.equals(Name.root)) {
                problems.add("null MX next to other MX records");
                continue;
            }
            String host = hostText(target);
            if (Address.isDottedQuad(host)) {
                // An MX exchange must be a host name (RFC 5321 5.1, RFC 1035 3.3.9); Postfix refuses
                // a numeric one too, rather than guessing the zone owner meant an address.
                log.warn("MX record of {} names an IP address, not a host: {}", domain, host);
                problems.add("MX " + host + " is an IP address, not a host name");
                continue;
            }
            if (targets.size() >= maxMxHosts) break;
            targets.putIfAbsent(target, m.getPriority());
        }
        List<Name> names = List.copyOf(targets.keySet());
        List<CompletableFuture<Answer>> v4 = new ArrayList<>(), v6 = new ArrayList<>();
        for (Name n : names) {
            v4.add(queryAsync(n, Type.A));
            v6.add(queryAsync(n, Type.AAAA));
        }
        List<MxHost> hosts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String host = hostText(names.get(i));
            Addresses a = addresses(host, await(v4.get(i)), await(v6.get(i)));
            if (a.addresses().isEmpty()) problems.add(a.problem());
            else hosts.add(new MxHost(host, targets.get(names.get(i)), a.addresses(), false));
        }
        if (!hosts.isEmpty()) return new MxLookup.Hosts(hosts);
        // MX records but no host with an address: the zone may be mid-change, so this is retried
        // until the message expires rather than bounced at once (Postfix defers likewise).
        return new MxLookup.TemporaryFailure(domain + ": no MX host has an address: " + String.join("; ", problems));
    }

    /** RFC 5321 5.1: no MX records at all, so the domain itself is the host, with preference 0. */
    private MxLookup implicitMx(String domain, Name name) throws InterruptedException {
        CompletableFuture<Answer> v4 = queryAsync(name, Type.A);
        CompletableFuture<Answer> v6 = queryAsync(name, Type.AAAA);
        Answer a = await(v4), aaaa = await(v6);
        Addresses found = addresses(domain, a, aaaa);
        if (!found.addresses().isEmpty()) return new MxLookup.Hosts(List.of(new MxHost(domain, 0, found.addresses(), true)));
        if (a instanceof Answer.Failed || aaaa instanceof Answer.Failed) {
            return new MxLookup.TemporaryFailure(domain + ": no MX records, and " + found.problem());
        }
        if (a instanceof Answer.NxDomain || aaaa instanceof Answer.NxDomain) {
            // The MX query said the name exists; an NXDOMAIN now means the zone changed in between.
            return new MxLookup.NoSuchDomain(domain + ": no such domain (NXDOMAIN)");
        }
        return new MxLookup.NoSuchDomain(domain + ": no MX and no A/AAAA records");
    }

    private record Addresses(List<InetAddress> addresses, String problem) {}

    /** A host's addresses (IPv4 first); when there are none, why, with a failure named over a mere absence. */
    private static Addresses addresses(String host, Answer a, Answer aaaa) {
        List<InetAddress> out = new ArrayList<>();
        if (a instanceof Answer.Records r) for (Record x : r.records()) if (x instanceof ARecord ar) out.add(ar.getAddress());
        if (aaaa instanceof Answer.Records r) for (Record x : r.records()) if (x instanceof AAAARecord ar) out.add(ar.getAddress());
        out.sort(Comparator.comparingInt(x -> x instanceof Inet4Address ? 0 : 1)); // stable: keeps the DNS order within a family
        List<InetAddress> unique = out.stream().distinct().toList();
        if (!unique.isEmpty()) return new Addresses(unique, "");
        String problem;
        if (a instanceof Answer.Failed f) problem = host + ": A lookup failed: " + f.reason();
        else if (aaaa instanceof Answer.Failed f) problem = host + ": AAAA lookup failed: " + f.reason();
        else if (a instanceof Answer.NxDomain) problem = host + ": no such host (NXDOMAIN)";
        else problem = host + ": no A or AAAA records";
        return new Addresses(List.of(), problem);
    }

    private static String hostText(Name n) {
        String s = n.toString(true); // without the trailing dot
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** What one query came to, with every dnsjava outcome sorted into the four a mail sender acts on. */
    private sealed interface Answer {
        record Records(List<Record> records) implements Answer {}

        record NoData() implements Answer {}

        record NxDomain() implements Answer {}

        record Failed(String reason) implements Answer {}
    }

    private Answer query(Name name, int type) throws InterruptedException {
        return await(queryAsync(name, type));
    }

    private CompletableFuture<Answer> queryAsync(Name name, int type) {
        CompletableFuture<LookupResult> f;
        try {
            f = session.lookupAsync(name, type).toCompletableFuture();
        } catch (RuntimeException e) {
            // dnsjava throws some failures (redirect overflow) synchronously rather than in the future.
            return CompletableFuture.completedFuture(failed(e, name, type));
        }
        return f.handle((result, ex) -> {
            if (ex == null) {
                return result.getRecords().isEmpty() ? new Answer.NoData() : new Answer.Records(result.getRecords());
            }
            return failed(ex, name, type);
        });
    }

    private static Answer failed(Throwable ex, Name name, int type) {
        Throwable cause = ex;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) cause = cause.getCause();
        if (cause instanceof NoSuchDomainException) return new Answer.NxDomain();
        if (cause instanceof NoSuchRRSetException) return new Answer.NoData();
        String message = cause.getMessage();
        // ExtendedResolver reports its own deadline as a plain IOException "Timed out while trying to resolve ..."
        if (cause instanceof TimeoutException || cause instanceof java.net.SocketTimeoutException
                || (cause instanceof java.io.IOException && message != null && message.toLowerCase(java.util.Locale.ROOT).contains("timed out"))) {
            return new Answer.Failed("timed out");
        }
        String what = cause.getClass().getSimpleName().replace("Exception", "");
        log.debug("{}/{} failed", name, Type.string(type), cause);
        return new Answer.Failed(message == null || message.isBlank() ? what : what + ": " + message);
    }

    /** Waits for an answer, bounded even if the resolver never completes the future. */
    private Answer await(CompletableFuture<Answer> f) throws InterruptedException {
        try {
            // A redirect chain is a sequence of queries, each bounded by queryBound; allow a few.
            return f.get(queryBound.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            return new Answer.Failed("timed out");
        } catch (ExecutionException e) {
            return new Answer.Failed(String.valueOf(e.getCause()));
        }
    }
}
