package org.twinmail.bench.wire;

import java.io.BufferedInputStream;
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

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 32 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
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
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != '\n') {
            if (c == -1) throw new EOFException("connection closed by the server");
            if (b.size() >= MAX_LINE) throw new IOException("reply line longer than " + MAX_LINE + " bytes");
            b.write(c);
        }
        byte[] bytes = b.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** Reads exactly n bytes (an IMAP literal) into {@code sink} (which may be null to discard). */
    public void readBytes(long n, ByteArrayOutputStream sink) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r == -1) throw new EOFException("connection closed inside a literal");
            if (sink != null) sink.write(buf, 0, r);
            n -= r;
        }
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
