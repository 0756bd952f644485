package org.twinmail.bench.wire;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One client connection: CRLF lines in and out, raw bytes for message bodies. Every
 * read has the socket timeout, so a stuck server ends a session with an error rather
 * than hanging the run.
 */
public final class Wire implements Closeable {
    /** Longest reply line accepted; longer means the peer is not speaking the protocol. */
    static final int MAX_LINE = 64 * 1024;
    /** Read buffer; lines are found by scanning it, not byte by byte through a stream. */
    static final int BUFFER = 16 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[BUFFER];
    private int pos, lim;

    private Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        // bodies are written in one call, which bypasses the buffer; commands are short
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
    }

    public static Wire connect(InetSocketAddress address, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.setTcpNoDelay(true);
            return new Wire(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** A connection accepted by a server of our own (the sink). */
    public static Wire adopt(Socket accepted, Duration timeout) throws IOException {
        accepted.setSoTimeout((int) timeout.toMillis());
        accepted.setTcpNoDelay(true);
        return new Wire(accepted);
    }

    /** Writes a line with CRLF and flushes. */
    public void line(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
        out.flush();
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** One line without its CRLF (a bare LF also ends it). */
    public String readLine() throws IOException {
        ByteArrayOutputStream spill = null; // the start of a line that did not fit in what was buffered
        while (true) {
            int lf = indexOfLf();
            if (lf >= 0) {
                String line;
                if (spill == null) {
                    line = new String(buf, pos, withoutCr(buf, pos, lf) - pos, StandardCharsets.UTF_8);
                } else {
                    spill.write(buf, pos, lf - pos);
                    byte[] b = spill.toByteArray();
                    line = new String(b, 0, withoutCr(b, 0, b.length), StandardCharsets.UTF_8);
                }
                pos = lf + 1;
                return line;
            }
            if (spill == null) spill = new ByteArrayOutputStream(2 * BUFFER);
            spill.write(buf, pos, lim - pos);
            pos = lim;
            if (spill.size() > MAX_LINE) throw new IOException("reply line longer than " + MAX_LINE + " bytes");
            fill("connection closed by the server");
        }
    }

    /**
     * A dot-terminated message (POP3 RETR, SMTP DATA, RFC 5321 4.5.2) up to and without its
     * "." line. The header lines (up to the first empty line) are appended to {@code headers}
     * one per line; body lines are counted, not decoded. Returns the bytes of the lines read,
     * each counted with its CRLF.
     */
    public long readDotTerminated(StringBuilder headers) throws IOException {
        long bytes = 0;
        boolean inHeaders = true;
        while (true) {
            int lf = indexOfLf();
            int length;
            if (lf >= 0) { // the common case: the whole line is buffered
                int end = withoutCr(buf, pos, lf);
                length = end - pos;
                boolean dot = length == 1 && buf[pos] == '.';
                if (!dot && inHeaders && length > 0) headers.append(new String(buf, pos, length, StandardCharsets.UTF_8)).append('\n');
                pos = lf + 1;
                if (dot) return bytes;
            } else { // a line across the end of the buffer
                String l = readLine();
                if (l.equals(".")) return bytes;
                length = l.length();
                if (inHeaders && length > 0) headers.append(l).append('\n');
            }
            if (length == 0) inHeaders = false;
            bytes += length + 2;
        }
    }

    /** Reads exactly n bytes (an IMAP literal) into {@code sink} (which may be null to discard). */
    public void readBytes(long n, ByteArrayOutputStream sink) throws IOException {
        while (n > 0) {
            if (pos == lim) fill("connection closed inside a literal");
            int r = (int) Math.min(lim - pos, n);
            if (sink != null) sink.write(buf, pos, r);
            pos += r;
            n -= r;
        }
    }

    private int indexOfLf() {
        for (int i = pos; i < lim; i++) if (buf[i] == '\n') return i;
        return -1;
    }

    /** End of the line that ends with the LF at {@code lf}, less a CR before it. */
    private static int withoutCr(byte[] b, int start, int lf) {
        return lf > start && b[lf - 1] == '\r' ? lf - 1 : lf;
    }

    /** Refills the empty buffer: at least one byte, or EOF. */
    private void fill(String atEof) throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n == -1) throw new EOFException(atEof);
        pos = 0;
        lim = n;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket that failed: nothing left to do
        }
    }
}
