package org.twinmail.store;

import java.util.List;
import java.util.Optional;

/**
 * Small documents that features keep in the store: administrator rules, bans, per-user
 * settings, Sieve scripts, IMAP METADATA, vacation responses, a feature's own work queue.
 * One role for all of them, so a new feature needs no new table or schema version, and its
 * data is durable, fenced by the epoch, carried over a failover and logged like any other
 * change.
 *
 * <p>A record is named by three strings:
 * <ul>
 *   <li>{@code kind}: the feature and the kind of document, {@code [a-z0-9][a-z0-9.-]{0,63}}
 *       ({@code rule.ip}, {@code sieve.script}, {@code imap.metadata}). The module that owns a
 *       kind owns the format of its values; no other module reads them.</li>
 *   <li>{@code scope}: whose it is: {@code ""} (global), {@code "domain:<ascii domain>"} or
 *       {@code "account:<id>"}. Removing an account removes its records; removing a domain
 *       removes the domain's.</li>
 *   <li>{@code name}: 1 to {@value #MAX_NAME} characters, unique within (kind, scope).</li>
 * </ul>
 * The value is bytes (usually UTF-8 JSON), at most {@value #MAX_VALUE} bytes.
 *
 * <p>Every put and delete is a durable commit and one change-log entry of kind
 * {@link Change.Kind#RECORD_CHANGED} (account id set for an account scope, detail
 * {@code kind + '\t' + scope + '\t' + name}), so caches refresh from the change log. A
 * record's {@code version} is the change-log position of its last write: compare-and-set
 * with {@link #putRecordIf} makes read-modify-write safe between sessions and nodes.
 *
 * <p>Expiry is data, not behaviour: reads return expired records too (the caller compares
 * {@link StoredRecord#expiresMillis()} with its own clock), and {@link #purgeExpiredRecords}
 * removes them when the owner decides.
 */
public interface Records {
    /** Longest record name, in characters. */
    int MAX_NAME = 512;
    /** Largest value, in bytes. */
    int MAX_VALUE = 1 << 20;

    /** The record (kind, scope, name), if there is one. */
    Optional<StoredRecord> record(String kind, String scope, String name);

    /** Every record of {@code kind} in {@code scope}, ordered by name. */
    List<StoredRecord> records(String kind, String scope);

    /** Every record of {@code kind} in every scope, ordered by scope, then name. */
    List<StoredRecord> records(String kind);

    /**
     * Creates or replaces a record.
     *
     * @param expiresMillis when the record stops counting, epoch milliseconds; 0 = never
     * @return the record as stored, with its new version
     */
    StoredRecord putRecord(String kind, String scope, String name, byte[] value, long expiresMillis);

    /**
     * Creates or replaces a record only if its current version is {@code expectedVersion}
     * (0: only if there is none).
     *
     * @return the record as stored, or empty when the version did not match (nothing written)
     */
    Optional<StoredRecord> putRecordIf(String kind, String scope, String name, long expectedVersion, byte[] value,
                                       long expiresMillis);

    /** Deletes a record; false if there was none. */
    boolean deleteRecord(String kind, String scope, String name);

    /**
     * Applies {@code writes} in order in one durable commit, all or nothing (Stalwart's atomic
     * batch with assertions): when any write's expected version does not match the record as it
     * was before the batch, nothing is written. A (kind, scope, name) may appear once per batch.
     * Each put and each delete that removed a record is one change-log entry, as with the single
     * calls. For a feature that moves many records at once (a queue's items through their
     * states): one fsync instead of one per write.
     *
     * @return the puts' records as stored, in the order of the writes (deletes add none); empty
     *         when a condition failed (nothing written)
     */
    Optional<List<StoredRecord>> writeRecords(List<RecordWrite> writes);

    /** Deletes every record whose expiry is at or before {@code nowMillis}; returns how many. */
    int purgeExpiredRecords(long nowMillis);

    /** The scope of an account's records. */
    static String accountScope(long accountId) {
        return "account:" + accountId;
    }

    /** The scope of a domain's records ({@code domain} in lower-case ASCII). */
    static String domainScope(String domain) {
        return "domain:" + domain;
    }
}
