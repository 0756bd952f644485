package org.twinmail.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Opens the embedded store with the configured settings; the single place that maps config to store options. */
public final class StoreOpener {
    private StoreOpener() {}

    /**
     * A single node writes with the newest epoch the store has seen (HA raises it on
     * takeover); so it opens once to learn the stored epoch and reopens if it is newer.
     */
    public static EmbeddedMailStore open(TwinmailConfig config, Path dataDir, MeterRegistry registry) {
        EmbeddedMailStore store = EmbeddedMailStore.open(options(config, dataDir, 1, registry));
        long stored = store.storedEpoch();
        if (stored > store.epoch()) {
            store.close();
            store = EmbeddedMailStore.open(options(config, dataDir, stored, registry));
        }
        return store;
    }

    private static StoreOptions options(TwinmailConfig config, Path dataDir, long epoch, MeterRegistry registry) {
        return new StoreOptions(dataDir, epoch, config.store.groupCommitMaxBatch,
                config.store.inlineBlobMaxSize.bytes(), config.store.readThreads, registry);
    }
}
