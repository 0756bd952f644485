package org.twinmail.filter.scan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One conversation with an external scanner (clamd, spamd) over TCP or a unix-domain socket,
 * bounded by a deadline for the whole of it: connecting within {@code connectTimeout}, then
 * every write and read until {@code timeout} after the connect. A scanner that stops reading or
 * answering ends in a {@link SocketTimeoutException}, never in a session that hangs.
 */
final class ScannerConnection implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final long deadline;

    private ScannerConnection(SocketChannel channel, Selector selector, long deadline) {
        this.channel = channel;
        this.selector = selector;
        this.deadline = deadline;
    }

    /**
     * A scanner's address as the configuration writes it: {@code unix:/run/clamav/clamd.ctl} or an
     * absolute path for a unix-domain socket, {@code host:port} ({@code [v6]:port}) for TCP.
     *
     * @throws IllegalArgumentException not one of these
     */
    static SocketAddress parse(String setting, String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("unix:")) t = t.substring(5);
        if (t.startsWith("/")) return UnixDomainSocketAddress.of(Path.of(t));
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) throw new IllegalArgumentException(setting + ": expected unix:/path or host:port, got '" + text + "'");
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + ": bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException(setting + ": bad port in '" + text + "'");
        return InetSocketAddress.createUnresolved(host, port);
    }

    static ScannerConnection open(SocketAddress address, Duration connectTimeout, Duration timeout) throws IOException {
        SocketAddress target = address instanceof InetSocketAddress i && i.isUnresolved()
                ? new InetSocketAddress(i.getHostString(), i.getPort()) : address;
        SocketChannel channel = target instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            long connectDeadline = System.nanoTime() + connectTimeout.toNanos();
            if (!channel.connect(target)) {
                SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
                while (!channel.finishConnect()) {
                    await(selector, connectDeadline, "connecting to " + address);
                }
                key.cancel();
                selector.selectNow();
            }
            return new ScannerConnection(channel, selector, System.nanoTime() + timeout.toNanos());
        } catch (IOException | RuntimeException e) {
            if (selector != null) selector.close();
            channel.close();
            throw e;
        }
    }

    private static void await(Selector selector, long deadline, String what) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new SocketTimeoutException("timed out " + what);
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
    }

    /** Writes all of {@code buffer}. */
    void write(ByteBuffer buffer) throws IOException {
        SelectionKey key = null;
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) > 0) continue;
            if (key == null) key = channel.register(selector, SelectionKey.OP_WRITE);
            await(selector, deadline, "writing to the scanner");
        }
        if (key != null) {
            key.cancel();
            selector.selectNow();
        }
    }

    /** Reads at least one byte into {@code buffer}, or -1 at the end of the stream. */
    int read(ByteBuffer buffer) throws IOException {
        SelectionKey key = null;
        try {
            while (true) {
                int n = channel.read(buffer);
                if (n != 0) return n;
                if (key == null) key = channel.register(selector, SelectionKey.OP_READ);
                await(selector, deadline, "waiting for the scanner's answer");
            }
        } finally {
            if (key != null) {
                key.cancel();
                selector.selectNow();
            }
        }
    }

    /** Everything the scanner sends until it closes, at most {@code max} bytes. */
    byte[] readAll(int max) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.min(max, 8192));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (read(b) >= 0) {
            b.flip();
            out.write(b.array(), 0, b.limit());
            b.clear();
            if (out.size() > max) throw new IOException("the scanner's answer is longer than " + max + " bytes");
        }
        return out.toByteArray();
    }

    /** No more requests: the scanner sees the end of the stream (spamd reads to it). */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** An output stream over {@link #write}, for copying the message. */
    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                ScannerConnection.this.write(ByteBuffer.wrap(new byte[] {(byte) b}));
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ScannerConnection.this.write(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** Copies {@code in} to the scanner in chunks of at most {@code chunk} bytes, each framed by {@code framer}. */
    static long copy(InputStream in, int chunk, Framer framer) throws IOException {
        byte[] buf = new byte[chunk];
        long total = 0;
        int n;
        while ((n = in.readNBytes(buf, 0, chunk)) > 0) {
            framer.send(buf, n);
            total += n;
        }
        return total;
    }

    @FunctionalInterface
    interface Framer {
        void send(byte[] buf, int len) throws IOException;
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
