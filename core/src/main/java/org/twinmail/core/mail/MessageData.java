package org.twinmail.core.mail;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one message (headers and body, CRLF line ends), as received and
 * about to be stored. Small messages live in memory; large ones in a spool file
 * (see {@link MessageSpool}). The SHA-256 is computed while the bytes arrive, so
 * the store can deduplicate without reading them again.
 */
public interface MessageData extends AutoCloseable {
    long size();

    /** Lower-case hex SHA-256 of the content: the content address of its blob. */
    String sha256();

    InputStream open() throws IOException;

    /** The whole content; only for messages small enough to hold in memory. */
    byte[] bytes() throws IOException;

    /** Releases a spool file, if any. Idempotent. */
    @Override
    void close();
}
