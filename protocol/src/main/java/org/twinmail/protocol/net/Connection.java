package org.twinmail.protocol.net;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.twinmail.protocol.io.LineInput;

/**
 * One client connection as protocol sessions see it: bounded line input, buffered
 * output that the session flushes when it is ready (so pipelined replies go out in
 * one packet), byte counters for the session log, and read timeouts.
 */
public final class Connection implements Closeable {
    private final Socket socket;
    private final LineInput input;
    private final CountingOutputStream counter;
    private final OutputStream output;

    public Connection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.input = new LineInput(socket.getInputStream(), 16384);
        this.counter = new CountingOutputStream(socket.getOutputStream());
        this.output = new BufferedOutputStream(counter, 16384);
    }

    public LineInput input() {
        return input;
    }

    /** Raw output for bulk data (message bodies); callers still end with {@link #flush()}. */
    public OutputStream output() {
        return output;
    }

    /** Queues text (UTF-8); nothing is sent before {@link #flush()}. */
    public void write(String text) throws IOException {
        output.write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Queues one reply line and its CRLF. */
    public void writeLine(String line) throws IOException {
        write(line);
        output.write('\r');
        output.write('\n');
    }

    public void flush() throws IOException {
        output.flush();
    }

    /** How long a read may wait before {@link java.net.SocketTimeoutException}. */
    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    }

    public InetSocketAddress remote() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    public InetAddress remoteAddress() {
        return socket.getInetAddress();
    }

    public InetSocketAddress local() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public long bytesIn() {
        return input.bytesRead();
    }

    public long bytesOut() {
        return counter.count;
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            output.flush();
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
