package org.twinmail.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.auth.AuthGuard;

/**
 * A session that ends while its client is still sending (an over-long line, a refused
 * literal) must not lose its last reply to a TCP reset: closing a socket with unread input
 * makes the kernel send RST, and the client's writes then fail (the broken pipe an IMAP
 * test hit) and its unread reply may go with them.
 */
class LingeringCloseTest {

    private static ConnectionListener listener(boolean linger) throws IOException {
        TwinmailConfig.Limits limits = new TwinmailConfig.Limits();
        ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), 10, Duration.ofSeconds(30), null,
                Admission.of(limits, ClientLimits.from(limits), AuthGuard.disabled(), text -> "421 " + text), c -> {
                    c.setReadTimeout(Duration.ofSeconds(5));
                    c.input().readLine(100);
                    c.writeLine("BYE too much");
                    c.flush();
                    if (linger) c.lingerOnClose();
                }, new SimpleMeterRegistry());
        l.start();
        return l;
    }

    /** Writes 100 KB in 10 pieces, 30 ms apart, as a client streaming a literal does. */
    private static void keepSending(OutputStream out) throws IOException, InterruptedException {
        byte[] piece = "x".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 10; i++) {
            out.write(piece);
            out.flush();
            Thread.sleep(30);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    @Test
    void aLingeringCloseLetsTheClientFinishSendingAndReadTheReplyThenEndOfStream() throws Exception {
        try (ConnectionListener l = listener(true); Socket s = connect(l)) {
            s.getOutputStream().write("first line\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("BYE too much");
            keepSending(s.getOutputStream()); // no broken pipe: the server drains while it closes
            assertThat(s.getInputStream().read()).as("an orderly end of stream, not a reset").isEqualTo(-1);
        }
    }

    /** The control: without it the same client is reset while it sends (what the flaky IMAP test saw). */
    @Test
    void withoutItTheClientIsResetWhileItSends() throws Exception {
        try (ConnectionListener l = listener(false); Socket s = connect(l)) {
            s.getOutputStream().write("first line\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("BYE too much");
            assertThatThrownBy(() -> keepSending(s.getOutputStream())).isInstanceOf(IOException.class);
        }
    }

    private static Socket connect(ConnectionListener l) throws IOException {
        InetSocketAddress at = l.boundAddresses().getFirst();
        Socket s = new Socket(at.getAddress(), at.getPort());
        s.setSoTimeout(10_000);
        return s;
    }
}
