package org.twinmail.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.Listen;
import org.twinmail.protocol.net.ConnectionListener;

/**
 * An implicit-TLS port bounds the handshake by {@code tls.handshakeTimeout}, as a whole. Before,
 * a client that connected and never handshook held its slot for the protocol's idle timeout
 * (30 minutes on IMAPS).
 */
class HandshakeTimeoutTest {
    @TempDir
    Path dir;

    private long secondsUntilClosed(Socket s) throws Exception {
        long start = System.nanoTime();
        InputStream in = s.getInputStream();
        try {
            while (in.read() != -1) {
                // whatever the server sends (an alert) before it closes
            }
        } catch (java.net.SocketException e) {
            // reset: closed as well
        }
        return System.nanoTime() - start;
    }

    @Test
    void aClientThatNeverHandshakesOrTricklesTheHandshakeIsClosedAfterTheHandshakeTimeout() throws Exception {
        Path[] ec = TlsTest.openssl(dir, "ec.test.example", "ec", false);
        Logger logger = (Logger) LoggerFactory.getLogger(ConnectionListener.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (Tls tls = Tls.of(List.<Path[]>of(ec), Duration.ofMinutes(1), Duration.ofMillis(800));
             ConnectionListener l = new ConnectionListener("imaps", List.of(Listen.parse("127.0.0.1:0")), 10,
                     Duration.ofMinutes(30), tls, c -> {
                         c.writeLine("hello");
                         c.flush();
                     }, new SimpleMeterRegistry())) {
            l.start();
            InetSocketAddress at = l.boundAddresses().getFirst();
            assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofMillis(800));
            try (Socket silent = new Socket(at.getAddress(), at.getPort())) {
                silent.setSoTimeout(20_000);
                assertThat(Duration.ofNanos(secondsUntilClosed(silent))).isBetween(Duration.ofMillis(600), Duration.ofSeconds(5));
            }
            // one byte of a ClientHello every 100 ms: no single read waits long, the whole is still bounded
            try (Socket slow = new Socket(at.getAddress(), at.getPort())) {
                slow.setSoTimeout(20_000);
                OutputStream out = slow.getOutputStream();
                Thread drip = Thread.ofVirtual().start(() -> {
                    byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
                    try {
                        for (int i = 0; i < 200; i++) {
                            out.write(hello[Math.min(i, hello.length - 1)]);
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (Exception e) {
                        // cut off: expected
                    }
                });
                assertThat(Duration.ofNanos(secondsUntilClosed(slow))).isBetween(Duration.ofMillis(600), Duration.ofSeconds(5));
                drip.interrupt();
            }
            assertThat(l.activeConnections()).isLessThanOrEqualTo(1);
        } finally {
            logger.detachAppender(logged);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("imaps: TLS handshake with /127.0.0.1:") && m.contains("failed"));
    }

    /** The rest of a command's budget (here ~100 ms) must not become the socket timeout of the STARTTLS handshake after it. */
    @Test
    void aStartTlsHandshakeAfterALateCommandGetsItsOwnTimeout() throws Exception {
        Path[] ec = TlsTest.openssl(dir, "ec.test.example", "ec", false);
        java.util.concurrent.atomic.AtomicReference<String> result = new java.util.concurrent.atomic.AtomicReference<>();
        try (Tls tls = Tls.of(List.<Path[]>of(ec), Duration.ofMinutes(1), Duration.ofSeconds(10));
             ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), 10,
                     Duration.ofSeconds(30), c -> {
                         c.setReadTimeout(Duration.ofMillis(1500));
                         c.writeLine("ready");
                         c.flush();
                         c.input().readLine(100); // STARTTLS, sent when little of the 1.5 s is left
                         c.writeLine("go ahead");
                         try {
                             tls.upgrade(c);
                             result.set("secure");
                             c.writeLine("secure");
                             c.flush();
                         } catch (java.io.IOException e) {
                             result.set(e.toString());
                         }
                     }, new SimpleMeterRegistry())) {
            l.start();
            InetSocketAddress at = l.boundAddresses().getFirst();
            try (Socket s = new Socket(at.getAddress(), at.getPort())) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                assertThat(new String(in.readNBytes(7))).isEqualTo("ready\r\n");
                Thread.sleep(1000);
                s.getOutputStream().write("START".getBytes()); // in two pieces: the second read waits with ~500 ms left
                s.getOutputStream().flush();
                Thread.sleep(300);
                s.getOutputStream().write("TLS\r\n".getBytes());
                s.getOutputStream().flush();
                assertThat(new String(in.readNBytes(10))).isEqualTo("go ahead\r\n");
                Thread.sleep(900); // the client is slow to start its handshake: more than the command had left
                javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
                ctx.init(null, new javax.net.ssl.TrustManager[] {TlsTest.trustAll()}, null);
                try (javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(s, "localhost", at.getPort(), false)) {
                    ssl.startHandshake();
                    assertThat(new String(ssl.getInputStream().readNBytes(8))).isEqualTo("secure\r\n");
                }
            }
            assertThat(result.get()).isEqualTo("secure");
        }
    }
}
