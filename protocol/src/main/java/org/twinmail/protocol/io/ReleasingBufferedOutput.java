package org.twinmail.protocol.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Buffered output whose buffer exists only between the first write and the next flush: a
 * connection waiting for its client (an IMAP client in IDLE, thousands at once) holds no
 * output buffer at all. Otherwise as {@link java.io.BufferedOutputStream}: writes of at
 * least the buffer's size go straight through once what is queued is out, and nothing
 * reaches the stream below before {@link #flush()} or a full buffer.
 *
 * <p>Safe for several threads, as {@code BufferedOutputStream} is: a connection is closed
 * (and so flushed) by the listener's thread while its session's thread may have written last.
 * Without the lock the closing thread could see a stale count and buffer and write a reply the
 * session had already sent a second time (a POP3 "+OK" read twice by a client).
 */
public final class ReleasingBufferedOutput extends FilterOutputStream {
    private final int size;
    private byte[] buf;
    private int count;

    public ReleasingBufferedOutput(OutputStream out, int size) {
        super(out);
        if (size < 1) throw new IllegalArgumentException("buffer size must be positive: " + size);
        this.size = size;
    }

    /** Bytes queued and not yet written below. */
    public synchronized int buffered() {
        return count;
    }

    /** Whether a buffer is held now (between a write and the next flush). */
    public synchronized boolean holdsBuffer() {
        return buf != null;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (buf == null) buf = new byte[size];
        else if (count == buf.length) drain();
        buf[count++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len >= size) {
            drain();
            out.write(b, off, len);
            return;
        }
        if (buf == null) buf = new byte[size];
        else if (len > buf.length - count) drain();
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Writes what is queued below, keeping the buffer for more. */
    private void drain() throws IOException {
        if (count > 0) {
            out.write(buf, 0, count);
            count = 0;
        }
    }

    /** Writes what is queued, flushes the stream below and lets the buffer go. */
    @Override
    public synchronized void flush() throws IOException {
        drain();
        buf = null;
        out.flush();
    }
}
