package org.twinmail.store.embedded;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.store.AccountLogins;
import org.twinmail.store.Directory;
import org.twinmail.store.Records;

/**
 * Checks logins against the accounts of a {@link Directory}.
 *
 * <p>Argon2id is slow on purpose, and POP3 clients log in every few minutes; so a
 * successful check is remembered for {@code cacheTtl} as
 * SHA-256(per-process random salt, account id, stored hash, password). A later login
 * with the same password against the same stored hash is accepted from that digest.
 * Nothing reversible is kept: the salt never leaves this object, and the digest is
 * useless without it. A changed password changes the stored hash, so the old entry
 * simply stops matching.
 *
 * <p>An unknown user still costs one Argon2 run, against a dummy hash with the cost
 * parameters of the real hashes seen so far, so the answer time does not reveal
 * which accounts exist.
 *
 * <p>With the store's {@link Records}, the account's login records ({@link AccountLogins}, one read
 * per login) decide first: a disabled account is refused whatever the password (after the time of
 * an Argon2 check, as an unknown user), and one of the account's app passwords logs in as the
 * password does, on every protocol that asks this authenticator.
 *
 * <p>Store failures ({@link org.twinmail.store.StoreException}) propagate: "cannot
 * check now" must not look like "wrong password" to the protocol layer. Rate limits
 * and bans by client address belong to the protocol layer too.
 */
public final class StoreAuthenticator implements Authenticator {

    /** The Argon2 check; replaceable in tests to count how often it runs. */
    @FunctionalInterface
    interface Verifier {
        boolean verify(char[] password, String phc);
    }

    private static final Pattern COST = Pattern.compile("m=\\d{1,9},t=\\d{1,4},p=\\d{1,3}");
    private static final String DEFAULT_COST = "m=19456,t=2,p=1"; // PasswordHasher.defaults()
    private static final int PRUNE_THRESHOLD = 10_000;

    private record Remembered(byte[] digest, long expiresAtNanos) { }

    private final Directory store;
    /** The accounts' disabled flags and app passwords; null: neither is consulted. */
    private final AccountLogins logins;
    private final long ttlNanos;
    private final Verifier verifier;
    private final LongSupplier nanoClock;
    private final int pruneThreshold;
    private final SecureRandom random = new SecureRandom();
    private final byte[] salt = new byte[32];
    private final ConcurrentHashMap<Long, Remembered> cache = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextPruneNanos = new java.util.concurrent.atomic.AtomicLong();
    private volatile String dummyCost = DEFAULT_COST;
    private volatile String dummyHash;

    /**
     * @param cacheTtl how long a verified password is remembered; {@link Duration#ZERO} turns the cache off
     */
    public StoreAuthenticator(Directory store, Duration cacheTtl) {
        this(store, null, cacheTtl, PasswordHasher::verify, System::nanoTime, PRUNE_THRESHOLD);
    }

    /** With the accounts' login records: disabled accounts are refused, app passwords accepted. */
    public StoreAuthenticator(Directory store, Records records, Duration cacheTtl) {
        this(store, records, cacheTtl, PasswordHasher::verify, System::nanoTime, PRUNE_THRESHOLD);
    }

    StoreAuthenticator(Directory store, Duration cacheTtl, Verifier verifier, LongSupplier nanoClock) {
        this(store, null, cacheTtl, verifier, nanoClock, PRUNE_THRESHOLD);
    }

    StoreAuthenticator(Directory store, Duration cacheTtl, Verifier verifier, LongSupplier nanoClock, int pruneThreshold) {
        this(store, null, cacheTtl, verifier, nanoClock, pruneThreshold);
    }

    StoreAuthenticator(Directory store, Records records, Duration cacheTtl, Verifier verifier, LongSupplier nanoClock, int pruneThreshold) {
        this.logins = records == null ? null : new AccountLogins(records);
        this.pruneThreshold = pruneThreshold;
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
        if (cacheTtl.isNegative()) throw new IllegalArgumentException("negative credential cache TTL: " + cacheTtl);
        this.ttlNanos = cacheTtl.toNanos();
        this.verifier = verifier;
        this.nanoClock = nanoClock;
        random.nextBytes(salt);
        this.dummyHash = dummyHash(DEFAULT_COST);
        nextPruneNanos.set(nanoClock.getAsLong()); // nanoTime may be negative: never compare against 0
    }

    @Override
    public Optional<AuthenticatedUser> authenticate(String username, char[] password, InetAddress client) {
        char[] pw = password == null ? new char[0] : password;
        Optional<Account> found = parse(username).flatMap(store::findAccount);
        if (found.isEmpty()) {
            verifier.verify(pw, dummyHash); // spend the time a real check takes
            return Optional.empty();
        }
        Account account = found.get();
        AccountLogins.Login login = logins == null ? AccountLogins.Login.NONE : logins.login(account.id());
        if (login.disabled().isPresent()) {
            verifier.verify(pw, dummyHash); // as an unknown user: the time does not tell a disabled account
            return Optional.empty();
        }
        if (login.matchesAppPassword(pw)) return Optional.of(user(account));
        String hash = account.passwordHash();
        byte[] digest = ttlNanos > 0 ? digest(account.id(), hash, pw) : null;
        if (digest != null) {
            Remembered r = cache.get(account.id());
            if (r != null && nanoClock.getAsLong() - r.expiresAtNanos() < 0 && MessageDigest.isEqual(r.digest(), digest)) {
                return Optional.of(user(account));
            }
        }
        followCost(hash);
        if (!verifier.verify(pw, hash)) return Optional.empty();
        if (digest != null) remember(account.id(), digest);
        return Optional.of(user(account));
    }

    private static AuthenticatedUser user(Account account) {
        return new AuthenticatedUser(account.id(), account.address().toString());
    }

    private static Optional<EmailAddress> parse(String username) {
        if (username == null) return Optional.empty();
        try {
            return Optional.of(EmailAddress.parse(username));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void remember(long accountId, byte[] digest) {
        long now = nanoClock.getAsLong();
        cache.put(accountId, new Remembered(digest, now + ttlNanos));
        // One entry per account at most, so the map is bounded by the directory; expired entries
        // are dropped to give memory back. The sweep is a full scan: run it at most once per TTL,
        // not on every login (at 100,000 active users a per-login scan was a third of the CPU).
        long due = nextPruneNanos.get();
        if (cache.size() > pruneThreshold && now - due >= 0 && nextPruneNanos.compareAndSet(due, now + ttlNanos)) {
            cache.values().removeIf(r -> now - r.expiresAtNanos() >= 0);
        }
    }

    /** Entries held now (tests). */
    int cachedEntries() {
        return cache.size();
    }

    /** SHA-256 over the salt and length-prefixed fields, so no two inputs share an encoding. */
    private byte[] digest(long accountId, String hash, char[] password) {
        MessageDigest md = BlobFiles.sha256Digest();
        md.update(salt);
        md.update(ByteBuffer.allocate(8).putLong(accountId).array());
        byte[] h = hash.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(h.length).array());
        md.update(h);
        ByteBuffer pw = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] p = new byte[pw.remaining()];
        pw.get(p);
        md.update(p);
        Arrays.fill(p, (byte) 0);
        if (pw.hasArray()) Arrays.fill(pw.array(), (byte) 0);
        return md.digest();
    }

    /** Keeps the dummy's Argon2 cost equal to that of real hashes, so unknown users cost the same time. */
    private void followCost(String phc) {
        String[] parts = phc == null ? new String[0] : phc.split("\\$");
        if (parts.length != 6 || !COST.matcher(parts[3]).matches() || parts[3].equals(dummyCost)) return;
        dummyCost = parts[3];
        dummyHash = dummyHash(parts[3]);
    }

    /** A well-formed hash that no password matches (its value is random, not derived). */
    private String dummyHash(String cost) {
        byte[] s = new byte[16];
        byte[] h = new byte[32];
        random.nextBytes(s);
        random.nextBytes(h);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$" + cost + "$" + b64.encodeToString(s) + "$" + b64.encodeToString(h);
    }
}
