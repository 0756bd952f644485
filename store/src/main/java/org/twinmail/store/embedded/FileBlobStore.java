package org.twinmail.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.store.BlobStore;
import org.twinmail.store.StoreException;

/**
 * The file-system {@link BlobStore}: one file per body under {@code <dataDir>/store/blobs},
 * written and fsynced whole before it appears under its name ({@link BlobFiles}). The
 * embedded metadata roles keep bodies up to {@link StoreOptions#inlineBlobMaxBytes()}
 * inline in their rows and put only larger ones here.
 */
final class FileBlobStore implements BlobStore {
    private final BlobFiles files;

    FileBlobStore(BlobFiles files) {
        this.files = files;
    }

    BlobFiles files() {
        return files;
    }

    @Override
    public void put(MessageData content) {
        Objects.requireNonNull(content, "content");
        checkId(content.sha256());
        try {
            files.write(content);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot store message body: " + e, e);
        }
    }

    @Override
    public InputStream open(String blobId) throws IOException {
        checkId(blobId);
        try {
            return Files.newInputStream(files.path(blobId));
        } catch (NoSuchFileException e) {
            throw new StoreException.NotFound("blob " + blobId + " does not exist");
        }
    }

    @Override
    public boolean exists(String blobId) {
        checkId(blobId);
        return files.exists(blobId);
    }

    @Override
    public void delete(String blobId) {
        checkId(blobId);
        try {
            files.delete(blobId);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot delete blob " + blobId + ": " + e, e);
        }
    }

    private static void checkId(String blobId) {
        if (!BlobFiles.isSha256(blobId)) throw new IllegalArgumentException("not a blob id: " + Printable.of(blobId));
    }
}
