package org.twinmail.protocol.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Buffered reading of protocol lines with a hard length cap: the one place where
 * bytes from the network become lines. A line longer than the cap is consumed to
 * its end and reported as {@link Line#tooLong()}, so an attacker cannot make us
 * buffer without bound and the session can answer with an error and go on.
 * Also reads exact byte counts (IMAP literals, BDAT chunks) from the same buffer.
 */
public final class LineInput {

    /** How a line ended. */
    public enum Ending { CRLF, BARE_LF, EOF }

    /**
     * One line without its terminator.
     *
     * @param bytes   the line's bytes (at most the cap; the rest of a long line is dropped)
     * @param tooLong the line was longer than the cap
     * @param ending  CRLF, a bare LF, or end of stream before any terminator
     */
    public record Line(byte[] bytes, boolean tooLong, Ending ending) {
        public String ascii() {
            return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        public String utf8() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        public boolean containsNul() {
            for (byte b : bytes) if (b == 0) return true;
            return false;
        }
    }

    private InputStream in;
    private final byte[] buf;
    private int pos;
    private int limit;
    private long bytesRead;

    public LineInput(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    /** Replaces the underlying stream (after a TLS handshake) and drops any buffered plaintext; returns how many bytes were dropped. */
    public int switchTo(InputStream newIn) {
        int dropped = limit - pos;
        pos = limit = 0;
        this.in = newIn;
        return dropped;
    }

    /**
     * Reads through {@code layer} from now on (decompression). Bytes already buffered but not
     * consumed came after the command that started the layer, so they go through it first.
     */
    public void layer(java.util.function.UnaryOperator<InputStream> layer) {
        InputStream below = in;
        if (pos < limit) {
            below = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(java.util.Arrays.copyOfRange(buf, pos, limit)), below);
        }
        pos = limit = 0;
        in = layer.apply(below);
    }

    /** Bytes received but not yet consumed: true means the client pipelined more input. */
    public boolean hasBuffered() {
        return pos < limit;
    }

    /** Bytes read from the stream below: after {@link #layer}, what the layer produced. */
    public long bytesRead() {
        return bytesRead;
    }

    /**
     * Reads one line of at most {@code maxLength} bytes (terminator not counted).
     *
     * @return the line, or null at end of stream with nothing pending
     */
    public Line readLine(int maxLength) throws IOException {
        byte[] out = new byte[Math.min(maxLength, 256)];
        int n = 0;
        boolean tooLong = false;
        boolean pendingCr = false;
        while (true) {
            if (pos == limit && !fill()) {
                if (n == 0 && !tooLong && !pendingCr) return null;
                if (pendingCr) {
                    if (n < maxLength) { out = grow(out, n, maxLength); out[n++] = '\r'; } else tooLong = true;
                }
                return new Line(java.util.Arrays.copyOf(out, n), tooLong, Ending.EOF);
            }
            byte b = buf[pos++];
            if (b == '\n') {
                return new Line(java.util.Arrays.copyOf(out, n), tooLong, pendingCr ? Ending.CRLF : Ending.BARE_LF);
            }
            if (pendingCr) {
                // A CR not followed by LF is content (a bare CR); keep it.
                if (n < maxLength) { out = grow(out, n, maxLength); out[n++] = '\r'; } else tooLong = true;
                pendingCr = false;
            }
            if (b == '\r') { pendingCr = true; continue; }
            if (n < maxLength) { out = grow(out, n, maxLength); out[n++] = b; } else tooLong = true;
        }
    }

    private static byte[] grow(byte[] out, int n, int max) {
        if (n < out.length) return out;
        return java.util.Arrays.copyOf(out, (int) Math.min(max, Math.max(16L, out.length * 2L)));
    }

    /** Copies exactly {@code count} bytes to {@code sink} (null: discard). */
    public void readExactly(long count, OutputStream sink) throws IOException {
        long left = count;
        while (left > 0) {
            if (pos == limit && !fill()) throw new EOFException("connection closed with " + left + " bytes of " + count + " still to come");
            int n = (int) Math.min(left, limit - pos);
            if (sink != null) sink.write(buf, pos, n);
            pos += n;
            left -= n;
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        limit = n;
        bytesRead += n;
        return true;
    }
}
