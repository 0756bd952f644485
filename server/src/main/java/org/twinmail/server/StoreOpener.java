package org.twinmail.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.twinmail.cluster.EpochBehindException;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Opens the embedded store with the configured settings; the single place that maps config to store options. */
public final class StoreOpener {
    private StoreOpener() {}

    /**
     * A single node writes with the newest epoch the store has seen (HA raises it on
     * takeover); so it opens once to learn the stored epoch and reopens if it is newer.
     */
    public static MailStore open(TwinmailConfig config, Path dataDir, MeterRegistry registry) {
        MailStore store = EmbeddedMailStore.open(options(config, dataDir, 1, registry));
        long stored = store.storedEpoch();
        if (stored > store.epoch()) {
            store.close();
            store = EmbeddedMailStore.open(options(config, dataDir, stored, registry));
        }
        return store;
    }

    /**
     * Opens the store for a node that has just taken over at {@code epoch} and records
     * that epoch ({@code fence}), so that every writer of an older epoch, such as a former
     * active that is paused rather than dead, is refused from its next write on. The
     * store's epoch must be lower: the lease's epoch is the newest the pair has used.
     */
    public static MailStore openFenced(TwinmailConfig config, Path dataDir, long epoch, MeterRegistry registry) {
        MailStore store = EmbeddedMailStore.open(options(config, dataDir, epoch, registry));
        try {
            long stored = store.storedEpoch();
            if (stored > epoch) {
                throw new EpochBehindException(stored, epoch);
            }
            store.fence(epoch);
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static StoreOptions options(TwinmailConfig config, Path dataDir, long epoch, MeterRegistry registry) {
        return new StoreOptions(dataDir, epoch, config.store.groupCommitMaxBatch,
                config.store.inlineBlobMaxSize.bytes(), config.store.readThreads, registry,
                config.store.aliasMaxDepth, config.store.aliasMaxTargets);
    }
}
