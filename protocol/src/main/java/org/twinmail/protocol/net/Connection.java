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

    /**
     * When the write now in progress started ({@link System#nanoTime()}), or 0 when no
     * write is blocked. Java sockets have no write timeout; the listener's watchdog reads
     * this to close connections whose client stopped reading (Postfix's write deadline).
     */
    public long writeBlockedSince() {
        return counter.writingSince;
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    /** Closes the socket without flushing: for a peer that takes no output (a flush would block again). */
    public void abort() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
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

    /** The layer that touches the socket: counts bytes and marks when a write is in progress. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;
        volatile long writingSince;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writingSince = Math.max(1, System.nanoTime());
            try {
                out.write(b, off, len);
            } finally {
                writingSince = 0;
            }
            count += len;
        }
    }
}
