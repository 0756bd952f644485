package org.twinmail.store.embedded;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.MailStore;
import org.twinmail.store.contract.MailboxAccessContract;

/** The embedded store passes {@link MailboxAccessContract}. */
class EmbeddedMailboxAccessTest extends MailboxAccessContract {
    @TempDir
    Path dataDir;

    @Override
    protected MailStore openBackend(long epoch) {
        return EmbeddedBackend.open(dataDir, epoch);
    }

    @Override
    protected void assertStoredEntries(long entries) {
        EmbeddedBackend.assertStoredEntries(dataDir, entries);
    }
}
