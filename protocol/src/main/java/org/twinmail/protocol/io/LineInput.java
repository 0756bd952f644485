package org.twinmail.protocol.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;

/**
 * Buffered reading of protocol lines with a hard length cap: the one place where
 * bytes from the network become lines. A line longer than the cap is reported as
 * {@link Line#tooLong()}; its rest is consumed up to {@link #DISCARD_LIMIT} more bytes
 * (then the line is {@link Ending#CUT}), so an attacker can make us neither buffer nor
 * read without bound. Also reads exact byte counts (IMAP literals, BDAT chunks) from the
 * same buffer.
 *
 * <p>With a {@link Timer} (a {@code Connection} installs one) every read has a deadline as
 * a whole: a line must be complete within the timer's budget from the moment it is asked
 * for, however slowly its bytes trickle in, and an exact read of {@code n} bytes gets one
 * budget per started {@link #EXACT_BYTES_PER_BUDGET}. Past it the read throws
 * {@link SocketTimeoutException}, as a socket timeout would.
 *
 * <p>The buffer follows the traffic: a read that finds everything consumed goes into a small
 * buffer ({@link #SMALL_BUFFER}) unless the previous read filled its buffer to the brim (the
 * client is sending in bulk: a literal, a pipelined batch), when it takes the full size. So a
 * connection that waits for its next command (an IMAP client in IDLE, thousands at once)
 * holds a few hundred bytes, not the full buffer, while bulk input still moves in large reads.
 */
public final class LineInput {

    /**
     * How a line ended; {@code CUT}: the line was too long and its rest, beyond
     * {@link #DISCARD_LIMIT}, was left unread (the next read continues inside it).
     */
    public enum Ending { CRLF, BARE_LF, EOF, CUT }

    /** Bytes of a too-long line read and dropped past the cap before the line is returned {@link Ending#CUT}. */
    public static final int DISCARD_LIMIT = 64 * 1024;

    /** Bytes an exact read ({@link #readExactly}) may take per read budget: a minimum rate for literals and BDAT. */
    public static final long EXACT_BYTES_PER_BUDGET = 64 * 1024;

    /** Gives reads their deadlines; see the class comment. */
    public interface Timer {
        /** The budget of the read about to start, in nanoseconds; 0 for none. */
        long budgetNanos();

        /** Called before each blocking read of the stream below: it must not wait longer than {@code nanos} (positive). */
        void waitAtMost(long nanos) throws IOException;

        /** Called when a read is over (whether it succeeded or not). */
        default void readDone() { }
    }

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

    /** The buffer of a read when the previous one did not fill its buffer: a command line fits, an idle wait costs little. */
    public static final int SMALL_BUFFER = 256;
    private static final byte[] EMPTY = new byte[0];

    private InputStream in;
    private final int bufferSize;
    private byte[] buf = EMPTY;
    /** The last read filled its whole buffer: more is probably waiting, so the next read takes the full size. */
    private boolean bulk;
    private int pos;
    private int limit;
    private long bytesRead;
    private Timer timer;
    private long deadline; // System.nanoTime() by which the read in progress must end; 0: none

    public LineInput(InputStream in, int bufferSize) {
        if (bufferSize < 1) throw new IllegalArgumentException("buffer size must be positive: " + bufferSize);
        this.in = in;
        this.bufferSize = bufferSize;
    }

    /** Installs the deadlines of every later read (see the class comment). */
    public void timer(Timer timer) {
        this.timer = timer;
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

    /** Lets go of the buffer when nothing in it is left to read (a connection about to wait long); the next read takes a new one. */
    public void releaseBuffer() {
        if (pos >= limit) {
            buf = EMPTY;
            pos = limit = 0;
        }
    }

    /** Bytes received but not yet consumed: true means the client pipelined more input. */
    public boolean hasBuffered() {
        return pos < limit;
    }

    /**
     * Waits for input without consuming it (it stays for {@link #readLine}): true once the
     * client has sent something, false at the end of the stream or when the stream's read
     * timeout passes first (the caller sets it: {@code Connection.inputWithin}).
     */
    public boolean awaitInput() throws IOException {
        if (pos < limit) return true;
        try {
            return fill();
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
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
        startDeadline(1);
        try {
            return readLineWithin(maxLength);
        } finally {
            endDeadline();
        }
    }

    private Line readLineWithin(int maxLength) throws IOException {
        // The buffer is scanned for LF and copied in runs, not a byte at a time: every byte a
        // client sends passes here (LineInputBenchmark). A CR counts as the terminator's only
        // when the LF follows it directly; any other CR is content.
        byte[] out = null; // the line's first bytes: at most maxLength + 1 (its last CR may be the terminator's)
        int kept = 0;
        long total = 0;    // bytes of the line so far, the LF not counted
        boolean lastCr = false;
        while (true) {
            if (pos == limit && !fill()) {
                if (total == 0) return null;
                return line(out, kept, total, maxLength, Ending.EOF); // a trailing CR is content here
            }
            int lf = indexOfLf(buf, pos, limit);
            int end = lf < 0 ? limit : lf;
            int length = end - pos;
            if (out == null && lf >= 0) {
                // the common case: the whole line is in the buffer; one copy, no growing
                boolean crlf = length > 0 ? buf[end - 1] == '\r' : false;
                int content = crlf ? length - 1 : length;
                Line line = new Line(java.util.Arrays.copyOfRange(buf, pos, pos + Math.min(content, maxLength)),
                        content > maxLength, crlf ? Ending.CRLF : Ending.BARE_LF);
                pos = lf + 1;
                return line;
            }
            if (length > 0) {
                int take = (int) Math.min(length, maxLength + 1L - kept);
                if (take > 0) {
                    if (out == null) out = new byte[Math.min(maxLength + 1, Math.max(256, take))];
                    if (kept + take > out.length) {
                        out = java.util.Arrays.copyOf(out, (int) Math.min(maxLength + 1L, Math.max(kept + take, 2L * out.length)));
                    }
                    System.arraycopy(buf, pos, out, kept, take);
                    kept += take;
                }
                total += length;
                lastCr = buf[end - 1] == '\r';
            }
            if (lf < 0 && total > (long) maxLength + DISCARD_LIMIT) {
                pos = end;
                return line(out, kept, total, maxLength, Ending.CUT);
            }
            if (lf >= 0) {
                pos = lf + 1;
                return lastCr ? line(out, kept, total - 1, maxLength, Ending.CRLF)
                        : line(out, kept, total, maxLength, Ending.BARE_LF);
            }
            pos = end;
        }
    }

    /** The line of {@code content} bytes whose first ones are {@code out[0..kept)}. */
    private static Line line(byte[] out, int kept, long content, int maxLength, Ending ending) {
        int length = (int) Math.min(Math.min(content, maxLength), kept);
        byte[] bytes = out == null ? new byte[0] : java.util.Arrays.copyOf(out, length);
        return new Line(bytes, content > maxLength, ending);
    }

    private static int indexOfLf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] == '\n') return i;
        return -1;
    }

    /** Copies exactly {@code count} bytes to {@code sink} (null: discard). */
    public void readExactly(long count, OutputStream sink) throws IOException {
        startDeadline(Math.max(1, (count + EXACT_BYTES_PER_BUDGET - 1) / EXACT_BYTES_PER_BUDGET));
        try {
            readExactlyWithin(count, sink);
        } finally {
            endDeadline();
        }
    }

    private void startDeadline(long budgets) {
        long budget = timer == null ? 0 : timer.budgetNanos();
        if (budget <= 0) {
            deadline = 0;
            return;
        }
        long total = budgets > Long.MAX_VALUE / 4 / budget ? Long.MAX_VALUE / 4 : budget * budgets;
        deadline = Math.max(1, System.nanoTime() + total);
    }

    private void endDeadline() {
        deadline = 0;
        if (timer != null) timer.readDone();
    }

    private void readExactlyWithin(long count, OutputStream sink) throws IOException {
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
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new SocketTimeoutException("read deadline passed");
            timer.waitAtMost(left);
        }
        // Everything buffered is consumed here: the buffer may be swapped for one of the size the traffic calls for.
        int size = bulk ? bufferSize : Math.min(SMALL_BUFFER, bufferSize);
        if (buf.length != size) buf = new byte[size];
        pos = limit = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        bulk = n == buf.length;
        limit = n;
        bytesRead += n;
        return true;
    }
}
