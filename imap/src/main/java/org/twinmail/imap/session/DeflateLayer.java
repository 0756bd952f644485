package org.twinmail.imap.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.twinmail.protocol.net.StreamLayer;

/**
 * COMPRESS=DEFLATE (RFC 4978): raw DEFLATE (RFC 1951, no zlib header, hence {@code nowrap})
 * in both directions, with a SYNC_FLUSH on every flush so each reply reaches the client
 * whole (RFC 4978 section 4). One stream per direction for the life of the connection,
 * so repeated text (FETCH responses, headers) compresses against everything sent before.
 *
 * <p>The zlib state is native memory, released by {@link #close()} when the connection
 * closes. The connection may close from another thread (server shutdown) while the session
 * still reads or writes; each direction holds its own lock while it uses its zlib stream,
 * and close takes both, so a stream is never ended under a running inflate or deflate.
 * A read or write blocked in the socket returns once the socket is closed, which the
 * connection does before closing the layer.
 */
final class DeflateLayer implements StreamLayer {
    /**
     * zlib's level 6 (its default): most of level 9's ratio on mail text at a fraction of
     * the CPU. Level 1 would save CPU but gives up a good part of the gain on base64 attachments.
     */
    static final int LEVEL = 6;
    private static final int BUFFER = 16 * 1024;

    private final Inflater inflater = new Inflater(true);
    private final Deflater deflater = new Deflater(LEVEL, true);
    private final Object inLock = new Object();
    private final Object outLock = new Object();
    private boolean closed; // guarded by both locks

    @Override
    public InputStream input(InputStream below) {
        return new InflaterInputStream(below, inflater, BUFFER) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                synchronized (inLock) {
                    if (closed) throw new IOException("connection closed");
                    return super.read(b, off, len);
                }
            }
        };
    }

    @Override
    public OutputStream output(OutputStream below) {
        // syncFlush: flush() deflates with SYNC_FLUSH, so the client can decode everything sent so far.
        return new DeflaterOutputStream(below, deflater, BUFFER, true) {
            /** Written since the last flush; guarded by outLock. */
            private boolean pending;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (outLock) {
                    if (closed) throw new IOException("connection closed");
                    super.write(b, off, len);
                    pending |= len > 0;
                }
            }

            /**
             * A SYNC_FLUSH only when something was written: an empty flush would still send an
             * empty stored block, and the session flushes right after the uncompressed OK, when a
             * client such as mbsync does not yet read through its inflater.
             */
            @Override
            public void flush() throws IOException {
                synchronized (outLock) {
                    if (closed) throw new IOException("connection closed");
                    if (pending) {
                        super.flush();
                        pending = false;
                    } else {
                        out.flush();
                    }
                }
            }
        };
    }

    @Override
    public void close() {
        synchronized (inLock) {
            synchronized (outLock) {
                if (closed) return;
                closed = true;
                inflater.end();
                deflater.end();
            }
        }
    }
}
