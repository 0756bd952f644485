package org.twinmail.store.embedded;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.MailStore;
import org.twinmail.store.contract.RecordsContract;

/** The embedded store passes {@link RecordsContract}. */
class EmbeddedRecordsTest extends RecordsContract {
    @TempDir
    Path dataDir;

    @Override
    protected MailStore openBackend(long epoch) {
        return EmbeddedBackend.open(dataDir, epoch);
    }
}
