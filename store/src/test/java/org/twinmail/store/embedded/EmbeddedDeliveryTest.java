package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.MailStore;
import org.twinmail.store.contract.DeliveryContract;

/** The embedded store passes {@link DeliveryContract}, with its blob rows, files and usage checked in SQL and on disk. */
class EmbeddedDeliveryTest extends DeliveryContract {
    @TempDir
    Path dataDir;

    @Override
    protected MailStore openBackend(long epoch) {
        return EmbeddedBackend.open(dataDir, epoch);
    }

    @Override
    protected void assertBodies(String why, long bodies) {
        assertThat(EmbeddedBackend.sqlLong(dataDir, "SELECT count(*) FROM blob")).as(why).isEqualTo(bodies);
    }

    @Override
    protected void assertBodyReferences(String why, long references) {
        assertThat(EmbeddedBackend.sqlLong(dataDir, "SELECT refs FROM blob")).as(why).isEqualTo(references);
    }

    @Override
    protected void assertBodyFiles(long count) {
        assertThat(EmbeddedBackend.blobFileCount(dataDir)).isEqualTo(count);
    }

    @Override
    protected void assertStoredEntries(long entries) {
        EmbeddedBackend.assertStoredEntries(dataDir, entries);
    }
}
