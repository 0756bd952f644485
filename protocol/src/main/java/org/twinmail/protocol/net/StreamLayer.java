package org.twinmail.protocol.net;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A transformation of a connection's bytes in both directions, stacked over TLS when TLS
 * is active: compression (IMAP COMPRESS=DEFLATE, RFC 4978). See {@link Connection#addLayer}.
 */
public interface StreamLayer extends AutoCloseable {

    /** What the session reads from now on, given the stream below (plain or TLS). */
    InputStream input(InputStream below);

    /**
     * What the session writes to from now on. Its {@code flush()} must push everything
     * written so far down to {@code below} and flush that: sessions flush when a reply is
     * complete and the client waits for it.
     */
    OutputStream output(OutputStream below);

    /** Releases what the layer holds (native zlib state); called once, when the connection closes. */
    @Override
    void close();
}
