package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.store.BlobStore;
import org.twinmail.store.StoreException;

/**
 * The {@link BlobStore} role on its own: bodies by content address. Reference counting is
 * not the blob store's business (the metadata roles do it), so nothing here counts.
 */
public abstract class BlobStoreContract extends StoreContract {

    /** The blob store under test; by default the one of the test's store. */
    protected BlobStore blobs() {
        if (store == null) openStore();
        return store.blobs();
    }

    @Test
    public void putThenOpenGivesTheSameBytesAndExistsSaysSo() throws Exception {
        MessageData m = message(LARGE, "put and open");
        assertThat(blobs().exists(m.sha256())).isFalse();
        blobs().put(m);
        assertThat(blobs().exists(m.sha256())).isTrue();
        assertThat(readAll(blobs().open(m.sha256()))).isEqualTo(m.bytes());
        MessageData small = message(10, "small");
        blobs().put(small);
        assertThat(readAll(blobs().open(small.sha256()))).isEqualTo(small.bytes());
    }

    @Test
    public void putIsIdempotentAndConcurrentPutsOfTheSameContentAgree() throws Exception {
        MessageData m = message(LARGE, "many writers");
        List<Future<?>> puts = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) puts.add(threads.submit(() -> blobs().put(m)));
        }
        for (Future<?> f : puts) f.get();
        blobs().put(m);
        assertThat(readAll(blobs().open(m.sha256()))).isEqualTo(m.bytes());
    }

    @Test
    public void contentThatDoesNotMatchItsAddressIsRefusedAndNothingIsStored() throws Exception {
        MessageData real = message(LARGE, "real");
        MessageData forged = new MessageData() {
            @Override public String sha256() { return real.sha256(); }
            @Override public long size() { return real.size(); }
            @Override public InputStream open() { return new ByteArrayInputStream(new byte[(int) real.size()]); }
            @Override public byte[] bytes() { return new byte[(int) real.size()]; }
            @Override public void close() { }
        };
        assertThatThrownBy(() -> blobs().put(forged)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
        assertThat(blobs().exists(real.sha256())).isFalse();
    }

    @Test
    public void deleteRemovesAndIsIdempotentAndAMissingBlobIsNotFound() throws Exception {
        MessageData m = message(LARGE, "deleted");
        blobs().put(m);
        blobs().delete(m.sha256());
        assertThat(blobs().exists(m.sha256())).isFalse();
        blobs().delete(m.sha256());
        assertThatThrownBy(() -> blobs().open(m.sha256())).isInstanceOf(StoreException.NotFound.class);
        blobs().put(m);
        assertThat(readAll(blobs().open(m.sha256()))).isEqualTo(m.bytes());
    }

    @Test
    public void addressesAreCheckedBeforeAnyStorageIsTouched() {
        for (String bad : new String[] {"", "../../etc/passwd", "ABCDEF", "a".repeat(63), "g".repeat(64), "A".repeat(64)}) {
            assertThatThrownBy(() -> blobs().open(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> blobs().exists(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> blobs().delete(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
