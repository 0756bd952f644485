package org.twinmail.filter.forward;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.mail.srs.Srs;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The node's {@link Srs}: its secret from {@code forwarding.srsSecret}, or, when that is empty,
 * a random one made once and kept in the store (records kind {@value #KIND}, global), so both
 * nodes of a pair sign and check SRS addresses alike and a takeover keeps accepting bounces.
 */
public final class SrsSecret {
    public static final String KIND = "srs.secret";
    private static final String NAME = "hmac";

    private SrsSecret() {
    }

    public static Srs load(TwinmailConfig.Forwarding config, Records records, Clock clock) {
        byte[] secret;
        if (!config.srsSecret.isEmpty()) {
            secret = config.srsSecret.getBytes(StandardCharsets.UTF_8);
            if (secret.length < 16) throw new IllegalArgumentException("forwarding.srsSecret must have at least 16 characters");
        } else {
            secret = stored(records);
        }
        return new Srs(secret, config.srsMaxAge, clock);
    }

    private static byte[] stored(Records records) {
        Optional<StoredRecord> r = records.record(KIND, "", NAME);
        if (r.isPresent()) return r.get().value();
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        // compare-and-set: a concurrent first start keeps whichever was written first
        return records.putRecordIf(KIND, "", NAME, 0, fresh, 0).map(StoredRecord::value)
                .orElseGet(() -> records.record(KIND, "", NAME).orElseThrow().value());
    }
}
