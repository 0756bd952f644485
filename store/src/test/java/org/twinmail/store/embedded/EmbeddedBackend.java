package org.twinmail.store.embedded;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.twinmail.store.MailStore;

/** How the contract suites open the embedded store: a small inline limit, so both body paths run. */
final class EmbeddedBackend {
    private EmbeddedBackend() {}

    static MailStore open(Path dataDir, long epoch) {
        return EmbeddedMailStore.open(new StoreOptions(dataDir, epoch, 256, StoreFixture.INLINE_MAX, 2, new SimpleMeterRegistry()));
    }
}
