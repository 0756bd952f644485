package org.twinmail.store;

import java.util.Objects;

/**
 * One write of {@link Records#writeRecords}: a put ({@code value} not null) or a delete
 * ({@code value} null), unconditional ({@code expectedVersion} {@value #ANY}) or only over the
 * record's current version ({@code expectedVersion}; 0: only when there is none).
 *
 * @param expiresMillis a put's expiry, epoch milliseconds; 0 = never (ignored by a delete)
 */
public record RecordWrite(String kind, String scope, String name, byte[] value, long expectedVersion, long expiresMillis) {
    /** {@code expectedVersion} of an unconditional write. */
    public static final long ANY = -1;

    public RecordWrite {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
        if (expectedVersion < ANY) throw new IllegalArgumentException("expected version must be -1 (any), 0 (absent) or a version, not " + expectedVersion);
    }

    /** Creates or replaces the record. */
    public static RecordWrite put(String kind, String scope, String name, byte[] value, long expiresMillis) {
        return new RecordWrite(kind, scope, name, Objects.requireNonNull(value, "value"), ANY, expiresMillis);
    }

    /** Creates or replaces the record only over {@code expectedVersion} (0: only if there is none). */
    public static RecordWrite putIf(String kind, String scope, String name, long expectedVersion, byte[] value, long expiresMillis) {
        if (expectedVersion < 0) throw new IllegalArgumentException("expected version must be 0 or more, not " + expectedVersion);
        return new RecordWrite(kind, scope, name, Objects.requireNonNull(value, "value"), expectedVersion, expiresMillis);
    }

    /** Deletes the record if there is one. */
    public static RecordWrite delete(String kind, String scope, String name) {
        return new RecordWrite(kind, scope, name, null, ANY, 0);
    }

    public boolean isDelete() {
        return value == null;
    }
}
