package org.twinmail.jmap.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens for JMAP (the webmail's login gets one): 256 random bits, kept only as their
 * SHA-256 with the account and an expiry. In memory on purpose: a token is a login session, and
 * a restart or switchover ends sessions as it ends IMAP connections (the user logs in again);
 * nothing is written to the store per login, and a database leak holds no usable token.
 */
public final class Tokens {
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;

    private record Entry(Principal principal, Instant expires) { }

    /** A token as handed out. */
    public record Issued(String token, Instant expires) { }

    public Tokens(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Issued issue(Principal p) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant expires = clock.instant().plus(lifetime);
        sweep();
        byHash.put(hash(token), new Entry(p, expires));
        return new Issued(token, expires);
    }

    public Optional<Principal> check(String token) {
        Entry e = byHash.get(hash(token));
        if (e == null) return Optional.empty();
        if (!clock.instant().isBefore(e.expires())) {
            byHash.remove(hash(token));
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    /** Ends one token (logout). */
    public boolean revoke(String token) {
        return byHash.remove(hash(token)) != null;
    }

    /** Ends every token of an account (logout everywhere); returns how many. */
    public int revokeAll(long accountId) {
        int[] n = {0};
        byHash.values().removeIf(e -> {
            boolean hit = e.principal().accountId() == accountId;
            if (hit) n[0]++;
            return hit;
        });
        return n[0];
    }

    private void sweep() {
        Instant now = clock.instant();
        byHash.values().removeIf(e -> !now.isBefore(e.expires()));
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
