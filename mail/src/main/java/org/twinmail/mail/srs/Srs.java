package org.twinmail.mail.srs;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.twinmail.core.mail.EmailAddress;

/**
 * The Sender Rewriting Scheme (the "guarded" scheme of libsrs2 and Postfix's postsrsd), so a
 * message we forward carries an envelope sender in one of our domains and passes SPF at the
 * target, while a bounce to it still finds the original sender:
 *
 * <pre>
 *   alice@orig.example                    -> SRS0=HHHH=TT=orig.example=alice@fwd.example
 *   SRS0=hhhh=tt=orig.example=alice@a.example -> SRS1=HHHH=a.example==hhhh=tt=orig.example=alice@fwd.example
 *   SRS1=xxxx=a.example==rest@b.example   -> SRS1=HHHH=a.example==rest@fwd.example
 * </pre>
 *
 * HHHH is the first {@value #HASH_LENGTH} characters of the Base64 HMAC-SHA1, under our
 * secret, of the lower-cased fields that follow it; TT the day of the rewriting, two base32
 * characters (days since 1970 modulo 1024). {@link #reverse} accepts an SRS0 address only with
 * a valid hash and a day within {@code maxAge}, and an SRS1 address only with a valid hash;
 * hashes are compared without case, since some servers change the case of a local part.
 * Pure: no I/O, the clock given.
 */
public final class Srs {
    /** Characters of the hash kept (postsrsd's default). */
    public static final int HASH_LENGTH = 4;
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int DAYS = 1024;

    private final byte[] secret;
    private final Duration maxAge;
    private final Clock clock;

    public Srs(byte[] secret, Duration maxAge, Clock clock) {
        if (secret.length < 16) throw new IllegalArgumentException("the SRS secret needs at least 16 bytes");
        if (maxAge.toDays() < 1 || maxAge.toDays() >= DAYS) throw new IllegalArgumentException("SRS maximum age must be 1 to 1023 days");
        this.secret = secret.clone();
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** Whether {@code localPart} has the shape of an SRS address (SRS0 or SRS1, any case). */
    public static boolean isSrs(String localPart) {
        return localPart.length() > 5 && localPart.regionMatches(true, 0, "SRS", 0, 3)
                && (localPart.charAt(3) == '0' || localPart.charAt(3) == '1') && "=+-".indexOf(localPart.charAt(4)) >= 0;
    }

    /**
     * The envelope sender for a message from {@code sender} forwarded by us, in {@code domain};
     * empty when the result would be longer than a local part may be (64 octets).
     */
    public Optional<EmailAddress> forward(EmailAddress sender, String domain) {
        String local = sender.localPart();
        String result;
        if (isSrs(local) && local.regionMatches(true, 0, "SRS1", 0, 4)) {
            // SRS1=hash=firsthop==rest: keep the first hop, re-sign for us
            String[] p = local.substring(5).split("=", 3);
            if (p.length < 3) return plainSrs0(sender, domain);
            String firstHop = p[1];
            String rest = p[2];
            result = "SRS1=" + hash(firstHop, rest) + "=" + firstHop + "=" + rest;
        } else if (isSrs(local)) {
            // SRS0 of another forwarder: SRS1 naming it as the first hop
            String rest = local.substring(4); // "=hhhh=tt=orig=alice"
            result = "SRS1=" + hash(sender.domain(), rest) + "=" + sender.domain() + "=" + rest;
        } else {
            return plainSrs0(sender, domain);
        }
        return fits(result, domain);
    }

    private Optional<EmailAddress> plainSrs0(EmailAddress sender, String domain) {
        String stamp = stamp(today());
        return fits("SRS0=" + hash(stamp, sender.domain(), sender.localPart()) + "=" + stamp + "=" + sender.domain() + "=" + sender.localPart(),
                domain);
    }

    private static Optional<EmailAddress> fits(String local, String domain) {
        if (local.getBytes(StandardCharsets.UTF_8).length > EmailAddress.MAX_LOCAL_PART) return Optional.empty();
        return Optional.of(new EmailAddress(local, domain));
    }

    /** What reversing an SRS address of ours gave. */
    public sealed interface Reversed {
        /** The address a bounce to the SRS address goes to. */
        record Valid(EmailAddress original) implements Reversed { }

        /** A forged, damaged or expired SRS address. */
        record Invalid(String reason) implements Reversed { }
    }

    /** Reverses {@code address} (an SRS address in one of our domains; call {@link #isSrs} first). */
    public Reversed reverse(EmailAddress address) {
        String local = address.localPart();
        if (!isSrs(local)) return new Reversed.Invalid("not an SRS address");
        boolean srs1 = local.charAt(3) == '1';
        String[] p = local.substring(5).split("=", srs1 ? 3 : 4);
        if (srs1) {
            // hash, first hop, rest ("=hhhh=tt=orig=alice")
            if (p.length < 3 || p[1].isEmpty() || !p[2].startsWith("=")) return new Reversed.Invalid("malformed SRS1 address");
            if (!hashMatches(p[0], p[1], p[2])) return new Reversed.Invalid("SRS hash does not match");
            return address("SRS0" + p[2], p[1]);
        }
        // hash, stamp, domain, local
        if (p.length < 4 || p[1].length() != 2 || p[2].isEmpty() || p[3].isEmpty()) return new Reversed.Invalid("malformed SRS0 address");
        if (!hashMatches(p[0], p[1], p[2], p[3])) return new Reversed.Invalid("SRS hash does not match");
        int stamp = unstamp(p[1]);
        if (stamp < 0) return new Reversed.Invalid("malformed SRS timestamp");
        long age = Math.floorMod(today() - stamp, DAYS);
        if (age > maxAge.toDays()) return new Reversed.Invalid("SRS address expired");
        return address(p[3], p[2]);
    }

    private static Reversed address(String local, String domain) {
        try {
            return new Reversed.Valid(EmailAddress.parse(local + "@" + domain));
        } catch (IllegalArgumentException e) {
            return new Reversed.Invalid("SRS address holds no valid address");
        }
    }

    private int today() {
        return (int) Math.floorMod(Math.floorDiv(clock.millis(), 86_400_000L), DAYS);
    }

    static String stamp(int day) {
        return "" + BASE32.charAt((day >> 5) & 31) + BASE32.charAt(day & 31);
    }

    private static int unstamp(String s) {
        int hi = BASE32.indexOf(Character.toUpperCase(s.charAt(0)));
        int lo = BASE32.indexOf(Character.toUpperCase(s.charAt(1)));
        return hi < 0 || lo < 0 ? -1 : hi << 5 | lo;
    }

    private boolean hashMatches(String given, String... fields) {
        if (given.length() != HASH_LENGTH) return false;
        byte[] a = given.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        byte[] b = hash(fields).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(a, b);
    }

    private String hash(String... fields) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            for (String f : fields) mac.update(f.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal()).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
