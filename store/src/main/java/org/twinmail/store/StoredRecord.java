package org.twinmail.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One record of the {@link Records} role.
 *
 * @param version       change-log position of its last write
 * @param expiresMillis epoch milliseconds after which its owner ignores it; 0 = never
 * @param updatedMillis when it was last written, epoch milliseconds
 */
public record StoredRecord(String kind, String scope, String name, byte[] value, long version, long expiresMillis,
                           long updatedMillis) {
    public StoredRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** The value as UTF-8 text. */
    public String text() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** Whether the record has expired at {@code nowMillis}. */
    public boolean expiredAt(long nowMillis) {
        return expiresMillis != 0 && expiresMillis <= nowMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredRecord r && kind.equals(r.kind) && scope.equals(r.scope) && name.equals(r.name)
                && Arrays.equals(value, r.value) && version == r.version && expiresMillis == r.expiresMillis
                && updatedMillis == r.updatedMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, scope, name, version);
    }

    @Override
    public String toString() {
        return "StoredRecord[" + kind + ", " + scope + ", " + name + ", " + value.length + " bytes, version " + version + "]";
    }
}
