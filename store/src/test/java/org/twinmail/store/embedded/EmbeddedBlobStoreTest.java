package org.twinmail.store.embedded;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.MailStore;
import org.twinmail.store.contract.BlobStoreContract;

/** The embedded store passes {@link BlobStoreContract}. */
class EmbeddedBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path dataDir;

    @Override
    protected MailStore openBackend(long epoch) {
        return EmbeddedBackend.open(dataDir, epoch);
    }
}
