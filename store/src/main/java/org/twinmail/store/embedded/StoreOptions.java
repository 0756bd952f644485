package org.twinmail.store.embedded;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Objects;
import org.twinmail.store.MailStore;

/**
 * How to open an {@link EmbeddedMailStore}.
 *
 * @param dataDir             the node's data directory; the store lives in {@code <dataDir>/store}
 * @param epoch               the cluster epoch this instance writes with (1 or more); see {@link EmbeddedMailStore#fence}
 * @param groupCommitMaxBatch most write operations merged into one transaction and one fsync
 * @param inlineBlobMaxBytes  messages up to this size are stored inside the database, larger ones as files
 *                            (0 puts every message in a file); docs/store.md has the measurement behind the default
 * @param readThreads         platform threads (each with its own connection) that run reads
 * @param registry            where the store's metrics go
 * @param aliasMaxDepth       how many aliases deep resolution follows; an address deeper stands for itself
 *                            (a chain that deep is an administrator's mistake, not a use)
 * @param aliasMaxTargets     most targets one alias may have
 */
public record StoreOptions(Path dataDir, long epoch, int groupCommitMaxBatch, long inlineBlobMaxBytes,
                           int readThreads, MeterRegistry registry, int aliasMaxDepth, int aliasMaxTargets) {

    public static final int DEFAULT_ALIAS_MAX_DEPTH = 8;
    public static final int DEFAULT_ALIAS_MAX_TARGETS = 1000;

    public static final long DEFAULT_INLINE_BLOB_MAX_BYTES = 128 * 1024;

    /** Inline blobs are read into memory whole; beyond this size a file is always the better home. */
    public static final long MAX_INLINE_BLOB_MAX_BYTES = 16L * 1024 * 1024;

    public StoreOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(registry, "registry");
        if (epoch < 1) throw new IllegalArgumentException("epoch must be 1 or more, not " + epoch);
        if (groupCommitMaxBatch < 1 || groupCommitMaxBatch > 100_000) {
            throw new IllegalArgumentException("groupCommitMaxBatch must be between 1 and 100000, not " + groupCommitMaxBatch);
        }
        if (inlineBlobMaxBytes < 0 || inlineBlobMaxBytes > MAX_INLINE_BLOB_MAX_BYTES) {
            throw new IllegalArgumentException("inlineBlobMaxBytes must be between 0 and " + MAX_INLINE_BLOB_MAX_BYTES
                    + ", not " + inlineBlobMaxBytes);
        }
        if (readThreads < 1 || readThreads > 256) {
            throw new IllegalArgumentException("readThreads must be between 1 and 256, not " + readThreads);
        }
        if (aliasMaxDepth < 1 || aliasMaxDepth > 100) {
            throw new IllegalArgumentException("aliasMaxDepth must be between 1 and 100, not " + aliasMaxDepth);
        }
        if (aliasMaxTargets < 1 || aliasMaxTargets > 100_000) {
            throw new IllegalArgumentException("aliasMaxTargets must be between 1 and 100000, not " + aliasMaxTargets);
        }
    }

    /** With the default alias limits. */
    public StoreOptions(Path dataDir, long epoch, int groupCommitMaxBatch, long inlineBlobMaxBytes, int readThreads,
                        MeterRegistry registry) {
        this(dataDir, epoch, groupCommitMaxBatch, inlineBlobMaxBytes, readThreads, registry, DEFAULT_ALIAS_MAX_DEPTH,
                DEFAULT_ALIAS_MAX_TARGETS);
    }

    /** Epoch 1, batches of 256, inline up to 128 KiB, 4 read threads, metrics kept in memory only. */
    public static StoreOptions defaults(Path dataDir) {
        return new StoreOptions(dataDir, 1, 256, DEFAULT_INLINE_BLOB_MAX_BYTES, 4, new SimpleMeterRegistry());
    }

    /** Opens the embedded store with these options ({@link EmbeddedMailStore#open}), as the roles only. */
    public MailStore open() {
        return EmbeddedMailStore.open(this);
    }

    public StoreOptions withEpoch(long newEpoch) {
        return new StoreOptions(dataDir, newEpoch, groupCommitMaxBatch, inlineBlobMaxBytes, readThreads, registry, aliasMaxDepth, aliasMaxTargets);
    }

    public StoreOptions withInlineBlobMaxBytes(long bytes) {
        return new StoreOptions(dataDir, epoch, groupCommitMaxBatch, bytes, readThreads, registry, aliasMaxDepth, aliasMaxTargets);
    }

    public StoreOptions withAliasLimits(int maxDepth, int maxTargets) {
        return new StoreOptions(dataDir, epoch, groupCommitMaxBatch, inlineBlobMaxBytes, readThreads, registry, maxDepth, maxTargets);
    }

    public StoreOptions withRegistry(MeterRegistry newRegistry) {
        return new StoreOptions(dataDir, epoch, groupCommitMaxBatch, inlineBlobMaxBytes, readThreads, newRegistry, aliasMaxDepth, aliasMaxTargets);
    }
}
