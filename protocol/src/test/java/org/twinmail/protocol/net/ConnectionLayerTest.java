package org.twinmail.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.protocol.tls.Tls;

/** {@link Connection#addLayer}: where the layer starts in each direction, byte counts, one layer, TLS first. */
class ConnectionLayerTest {
    ServerSocket listener;
    Socket client;
    Connection server;

    /** A layer anyone can check by eye: every byte is sent twice, and read back as one of each pair. */
    static final class Doubling implements StreamLayer {
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public InputStream input(InputStream below) {
            return new FilterInputStream(below) {
                @Override
                public int read() throws IOException {
                    int a = in.read();
                    if (a < 0) return -1;
                    int b = in.read();
                    if (b != a) throw new IOException("not a doubled byte: " + a + " " + b);
                    return a;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int c = read();
                    if (c < 0) return -1;
                    buf[off] = (byte) c;
                    return 1;
                }
            };
        }

        @Override
        public OutputStream output(OutputStream below) {
            return new FilterOutputStream(below) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    out.write(b);
                }
            };
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    static byte[] doubled(String s) {
        byte[] in = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[in.length * 2];
        for (int i = 0; i < in.length; i++) out[2 * i] = out[2 * i + 1] = in[i];
        return out;
    }

    @BeforeEach
    void connect() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        client.setSoTimeout(10_000);
        server = new Connection(listener.accept());
        server.setReadTimeout(java.time.Duration.ofSeconds(10));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        client.close();
        listener.close();
    }

    @Test
    void queuedOutputGoesOutBelowTheLayerAndLaterOutputThroughIt() throws IOException {
        server.writeLine("a1 OK go ahead"); // queued, not yet flushed: the reply agreeing to the layer
        Doubling layer = new Doubling();
        server.addLayer(layer);
        assertThat(server.hasLayer()).isTrue();
        assertThat(client.getInputStream().readNBytes(16)).isEqualTo("a1 OK go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
        server.writeLine("* after");
        server.flush();
        assertThat(client.getInputStream().readNBytes(18)).isEqualTo(doubled("* after\r\n"));
        assertThat(server.bytesOut()).as("bytes on the wire").isEqualTo(16 + 18);
    }

    @Test
    void inputReceivedBeforeTheLayerButNotYetReadGoesThroughIt() throws IOException {
        OutputStream c = client.getOutputStream();
        byte[] first = "a1 START\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] rest = doubled("a2 NOOP\r\n");
        byte[] both = new byte[first.length + rest.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(rest, 0, both, first.length, rest.length);
        c.write(both); // one packet: the reader buffers both lines at once
        c.flush();
        assertThat(server.input().readLine(100).ascii()).isEqualTo("a1 START");
        server.addLayer(new Doubling());
        assertThat(server.input().readLine(100).ascii()).isEqualTo("a2 NOOP");
        c.write(doubled("a3 LOGOUT\r\n"));
        c.flush();
        assertThat(server.input().readLine(100).ascii()).isEqualTo("a3 LOGOUT");
        assertThat(server.bytesIn()).as("bytes on the wire").isEqualTo(both.length + 22);
    }

    @Test
    void oneLayerOnlyTlsBeforeItAndItIsClosedWithTheConnection() throws Exception {
        Doubling layer = new Doubling();
        server.addLayer(layer);
        assertThatThrownBy(() -> server.addLayer(new Doubling())).isInstanceOf(IllegalStateException.class);
        Tls tls = null;
        assertThatThrownBy(() -> server.startTls(tls)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stream layer");
        server.close();
        server.close();
        assertThat(layer.closed).hasValue(1);
    }
}
