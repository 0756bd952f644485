package org.twinmail.core.clients;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

import org.twinmail.core.config.TwinmailConfig;

/**
 * The MTA-STS policy (RFC 8461 3.2) we host for every local domain at
 * {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}, and its id for the
 * {@code _mta-sts} TXT record (3.1). The id is derived from the policy's text, so it
 * changes exactly when the policy does and senders refetch it.
 *
 * @param mode   {@code none}, {@code testing} or {@code enforce}
 * @param mx     the MX host name the policy allows (our {@code clients.host})
 * @param maxAge seconds a sender may cache the policy
 */
public record MtaStsPolicy(String mode, String mx, long maxAge) {

    /** RFC 8461 3.2: max_age is at most 31557600 seconds (about one year). */
    public static final long MAX_AGE_LIMIT = 31_557_600L;

    public MtaStsPolicy {
        mode = mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT);
        if (!mode.equals("none") && !mode.equals("testing") && !mode.equals("enforce")) {
            throw new IllegalArgumentException("clients.mtaStsMode must be none, testing or enforce, not '" + mode + "'");
        }
        if (maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
            throw new IllegalArgumentException("clients.mtaStsMaxAge must be between 0 and " + MAX_AGE_LIMIT + " seconds, not " + maxAge);
        }
    }

    public static MtaStsPolicy of(TwinmailConfig config, ClientEndpoints endpoints) {
        Duration age = config.clients.mtaStsMaxAge;
        return new MtaStsPolicy(config.clients.mtaStsMode, endpoints.host(), age == null ? 604_800 : age.toSeconds());
    }

    /** The policy file: key/value lines ending in CRLF (RFC 8461 3.2). */
    public String text() {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: " + maxAge + "\r\n";
    }

    /** The policy id (RFC 8461 3.1: 1 to 32 letters and digits): the first 20 hex digits of the text's SHA-256. */
    public String id() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
