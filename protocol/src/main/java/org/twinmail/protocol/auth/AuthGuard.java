package org.twinmail.protocol.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.net.AddressRange;

/**
 * Failed logins across every protocol (SMTP AUTH, POP3, IMAP, and HTTP logins later), one
 * per node: counted per client (IPv4 address or IPv6 /64) and per account over
 * {@code auth.failureWindow}.
 * <ul>
 *   <li>Each failure is answered only after a delay that doubles with the client's failures
 *       ({@code auth.failureDelay} up to {@code auth.maxFailureDelay}); failures on the same
 *       account from elsewhere delay it too, unless this client logged in to that account
 *       within {@code auth.knownClientTime}. The caller sleeps on its virtual thread.</li>
 *   <li>{@code auth.banAfterFailures} failures within the window ban the client for the next of
 *       {@code auth.banDurations} (progressive; back to the first after {@code auth.banForgetAfter}
 *       without a ban). A banned client is refused at connect, and a login on a connection it
 *       opened before is refused without a password check (no Argon2id).</li>
 *   <li>Accounts are never locked: an attacker guessing an account cannot keep its owner out.</li>
 *   <li>{@code auth.banExemptNetworks} are neither delayed nor banned; loopback is not exempt
 *       unless listed.</li>
 * </ul>
 * Counts are in memory only; bans are told to a {@link BanListener} (the server keeps them in
 * its store, so they survive a restart and a switchover) and {@link #restore restored} from there. Its size is
 * bounded: entries older than they can matter are swept once a map grows past
 * {@link #SWEEP_ABOVE}.
 */
public final class AuthGuard {
    private static final Logger log = LoggerFactory.getLogger(AuthGuard.class);
    static final int SWEEP_ABOVE = 50_000;
    /** Failures remembered per client or account: enough for every delay step and a ban. */
    private static final int MAX_REMEMBERED = 64;

    /** A ban in force, for the admin. */
    public record Ban(String client, Instant until, int level) { }

    private final boolean enabled;
    private final long window;
    private final long delay;
    private final long maxDelay;
    private final int banAfter;
    private final List<Duration> banDurations;
    private final long forgetAfter;
    private final long knownTime;
    private final int maxPerConnection;
    private final List<AddressRange> exempt;
    private final LongSupplier clock;
    private final MeterRegistry registry;
    private final Counter bansIssued;

    private final Map<String, ArrayDeque<Long>> clientFailures = new HashMap<>();
    private final Map<String, ArrayDeque<Long>> accountFailures = new HashMap<>();
    private final Map<String, long[]> bans = new HashMap<>(); // client -> {until, level, last ban end}
    private final Map<String, Long> known = new HashMap<>();  // account + " " + client -> last success
    /** The clients of the last {@link #restore}: a ban among them that is no longer kept was lifted elsewhere. */
    private java.util.Set<String> restored = java.util.Set.of();
    private volatile BanListener listener;

    private AuthGuard(boolean enabled, TwinmailConfig.Auth a, List<AddressRange> exempt, LongSupplier clock, MeterRegistry registry) {
        this.enabled = enabled;
        this.window = a.failureWindow.toNanos();
        this.delay = a.failureDelay.toNanos();
        this.maxDelay = a.maxFailureDelay.toNanos();
        this.banAfter = a.banAfterFailures;
        this.banDurations = List.copyOf(a.banDurations);
        this.forgetAfter = a.banForgetAfter.toNanos();
        this.knownTime = a.knownClientTime.toNanos();
        this.maxPerConnection = a.maxFailuresPerConnection;
        this.exempt = exempt;
        this.clock = clock;
        this.registry = registry;
        this.bansIssued = registry == null ? null
                : Counter.builder("twinmail.auth.bans").description("clients banned after failed logins").register(registry);
        if (registry != null) {
            Gauge.builder("twinmail.auth.bans.active", this, AuthGuard::activeBans).description("clients banned now").register(registry);
        }
    }

    /** The guard of {@code auth.*}. @throws IllegalArgumentException for settings that cannot work, naming them */
    public static AuthGuard create(TwinmailConfig.Auth a, MeterRegistry registry) {
        return create(a, registry, System::nanoTime);
    }

    /** As {@link #create(TwinmailConfig.Auth, MeterRegistry)} on a given clock (nanoseconds), for tests. */
    public static AuthGuard create(TwinmailConfig.Auth a, MeterRegistry registry, LongSupplier clock) {
        if (a.maxFailuresPerConnection < 1) throw new IllegalArgumentException("auth.maxFailuresPerConnection must be at least 1");
        if (a.failureDelay == null || a.failureDelay.isNegative()) throw new IllegalArgumentException("auth.failureDelay must not be negative");
        if (a.maxFailureDelay == null || a.maxFailureDelay.compareTo(a.failureDelay) < 0) {
            throw new IllegalArgumentException("auth.maxFailureDelay must be at least auth.failureDelay");
        }
        if (a.failureWindow == null || a.failureWindow.toMillis() < 1) throw new IllegalArgumentException("auth.failureWindow must be positive");
        if (a.banAfterFailures < 0) throw new IllegalArgumentException("auth.banAfterFailures must not be negative");
        if (a.banDurations == null || a.banDurations.isEmpty() || a.banDurations.stream().anyMatch(d -> d.toMillis() < 1)) {
            throw new IllegalArgumentException("auth.banDurations must list at least one positive duration");
        }
        if (a.banForgetAfter == null || a.banForgetAfter.isNegative()) throw new IllegalArgumentException("auth.banForgetAfter must not be negative");
        if (a.knownClientTime == null || a.knownClientTime.isNegative()) throw new IllegalArgumentException("auth.knownClientTime must not be negative");
        List<AddressRange> exempt;
        try {
            exempt = a.banExemptNetworks.stream().map(AddressRange::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth.banExemptNetworks: " + e.getMessage(), e);
        }
        return new AuthGuard(true, a, exempt, clock, registry);
    }

    /** No delays and no bans (embedders and tests of other things); still closes a connection after 20 failures. */
    public static AuthGuard disabled() {
        TwinmailConfig.Auth a = new TwinmailConfig.Auth();
        a.maxFailuresPerConnection = 20;
        return new AuthGuard(false, a, List.of(), System::nanoTime, null);
    }

    /** {@code auth.maxFailuresPerConnection}: failed logins after which a connection is closed. */
    public int maxFailuresPerConnection() {
        return maxPerConnection;
    }

    /** True while {@code client} is banned. */
    public synchronized boolean isBanned(InetAddress client) {
        if (!enabled) return false;
        long[] b = bans.get(key(client));
        return b != null && clock.getAsLong() - b[0] < 0;
    }

    /**
     * Records a failed login and returns how long to wait before answering it. May ban the client.
     *
     * @param account the user name tried (any case)
     * @param service for the metric ("imap", "submission", ...)
     */
    public Duration failed(InetAddress client, String account, String service) {
        if (registry != null) {
            Counter.builder("twinmail.auth.failures").tag("service", service).description("failed logins")
                    .register(registry).increment();
        }
        if (!enabled || isExempt(client)) return Duration.ZERO;
        String c = key(client);
        String acc = account == null ? "" : account.toLowerCase(Locale.ROOT);
        long now = clock.getAsLong();
        long wait;
        Ban issued = null;
        synchronized (this) {
            sweepIfLarge(now);
            int fromClient = record(clientFailures, c, now);
            int onAccount = record(accountFailures, acc, now);
            Long lastGood = known.get(acc + " " + c);
            boolean knownClient = lastGood != null && now - lastGood < knownTime;
            int steps = Math.max(fromClient, knownClient ? 0 : onAccount);
            wait = backoff(steps);
            if (banAfter > 0 && fromClient >= banAfter) issued = ban(c, now);
        }
        BanListener l = listener;
        if (issued != null && l != null) l.banned(issued); // outside the lock: the listener writes to the store
        return Duration.ofNanos(wait);
    }

    /** Records a successful login: the client becomes known for the account (exempt from its account's delay). */
    public void succeeded(InetAddress client, String account) {
        if (!enabled || isExempt(client)) return;
        long now = clock.getAsLong();
        synchronized (this) {
            sweepIfLarge(now);
            known.put(account.toLowerCase(Locale.ROOT) + " " + key(client), now);
        }
    }

    /** The bans in force, longest first. */
    public synchronized List<Ban> bans() {
        long now = clock.getAsLong();
        Instant wall = Instant.now();
        List<Ban> list = new ArrayList<>();
        bans.forEach((c, b) -> {
            if (now - b[0] < 0) list.add(new Ban(c, wall.plusNanos(b[0] - now), (int) b[1]));
        });
        list.sort(Comparator.comparing(Ban::until).reversed());
        return list;
    }

    /**
     * Lifts the ban of {@code client} (an address, or an IPv6 /64 as {@link #bans()} lists it)
     * and forgets its failures, so it starts again with no delay. The next ban starts at the
     * first duration again.
     *
     * @return true if it was banned
     * @throws IllegalArgumentException when {@code client} is not an IP address
     */
    public boolean unban(String client) {
        String lifted = lift(client);
        BanListener l = listener;
        if (lifted != null && l != null) l.lifted(lifted);
        return lifted != null;
    }

    /** The key of the ban lifted, or null if {@code client} was not banned. */
    private synchronized String lift(String client) {
        String k = client.strip();
        if (!bans.containsKey(k)) {
            String address = k.endsWith("/64") ? k.substring(0, k.length() - 3) : k;
            AddressRange.parse(address); // a literal or an error, never a DNS lookup
            try {
                k = key(InetAddress.getByName(address));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + client);
            }
        }
        long[] b = bans.remove(k);
        clientFailures.remove(k);
        boolean was = b != null && clock.getAsLong() - b[0] < 0;
        if (was) log.info("auth: ban of {} lifted by the administrator", k);
        return was ? k : null;
    }

    private int activeBans() {
        return bans().size();
    }

    private long backoff(int failures) {
        if (failures <= 0 || delay == 0) return 0;
        long d = delay;
        for (int i = 1; i < failures && d < maxDelay; i++) d *= 2;
        return Math.min(d, maxDelay);
    }

    /** Bans {@code client}; the ban issued, or null when it was banned already. */
    private Ban ban(String client, long now) {
        long[] b = bans.get(client);
        if (b != null && now - b[0] < 0) return null; // already banned
        int level = b == null || now - b[2] > forgetAfter ? 0 : (int) Math.min(b[1] + 1, banDurations.size() - 1);
        long length = banDurations.get(level).toNanos();
        long until = now + length;
        bans.put(client, new long[] {until, level, until});
        clientFailures.remove(client); // after the ban a fresh count starts
        if (bansIssued != null) bansIssued.increment();
        log.warn("auth: {} banned for {} after {} failed logins (ban {} in a row)", client,
                banDurations.get(level), banAfter, level + 1);
        return new Ban(client, Instant.now().plusNanos(length), level);
    }

    /** Told of each ban the guard issues and each it lifts for the administrator, so they can be kept (the server keeps them in its store). */
    public interface BanListener {
        void banned(Ban ban);

        void lifted(String client);
    }

    /** Sets (or, with null, removes) the listener of bans; one at a time. */
    public void listener(BanListener listener) {
        this.listener = listener;
    }

    /**
     * Makes the bans kept elsewhere (the store) the ones in force: each of {@code kept} is banned
     * until its end (a longer ban in force stays), and a ban restored before that is no longer
     * kept (the administrator removed it) is lifted. Bans issued here and not yet kept are left
     * alone. The listener is not told.
     */
    public void restore(java.util.Collection<Ban> kept) {
        if (!enabled) return;
        long now = clock.getAsLong();
        Instant wall = Instant.now();
        synchronized (this) {
            java.util.Set<String> keys = new java.util.HashSet<>();
            for (Ban k : kept) {
                keys.add(k.client());
                long left = Duration.between(wall, k.until()).toNanos();
                if (left <= 0) continue;
                long until = now + left;
                long[] b = bans.get(k.client());
                if (b == null || b[0] - until < 0) bans.put(k.client(), new long[] {until, k.level(), until});
            }
            for (String k : restored) {
                if (keys.contains(k)) continue;
                long[] b = bans.remove(k);
                clientFailures.remove(k);
                if (b != null && now - b[0] < 0) log.info("auth: ban of {} lifted by the administrator", k);
            }
            restored = keys;
        }
    }

    /** Adds a failure at {@code now}, drops those outside the window; returns how many are in it. */
    private int record(Map<String, ArrayDeque<Long>> map, String key, long now) {
        ArrayDeque<Long> q = map.computeIfAbsent(key, k -> new ArrayDeque<>());
        q.addLast(now);
        while (!q.isEmpty() && (now - q.peekFirst() >= window || q.size() > MAX_REMEMBERED)) q.pollFirst();
        return q.size();
    }

    private void sweepIfLarge(long now) {
        if (clientFailures.size() > SWEEP_ABOVE) clientFailures.values().removeIf(q -> now - q.peekLast() >= window);
        if (accountFailures.size() > SWEEP_ABOVE) accountFailures.values().removeIf(q -> now - q.peekLast() >= window);
        if (bans.size() > SWEEP_ABOVE) bans.values().removeIf(b -> now - b[2] > forgetAfter);
        if (known.size() > SWEEP_ABOVE) known.values().removeIf(t -> now - t >= knownTime);
    }

    private boolean isExempt(InetAddress client) {
        for (AddressRange r : exempt) if (r.contains(client)) return true;
        return false;
    }

    /** An IPv4 address as text, or an IPv6 client's /64 ("2001:db8:1:2::/64"); IPv4-mapped IPv6 as IPv4. */
    static String key(InetAddress a) {
        return org.twinmail.core.policy.PolicyRecords.banKey(a);
    }

}
