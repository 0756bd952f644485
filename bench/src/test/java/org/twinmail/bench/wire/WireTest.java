package org.twinmail.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Wire's buffered line reading against what a peer sent, whatever the line lengths and buffer boundaries. */
class WireTest {

    /** Sends {@code bytes} from a loopback peer (in pieces, then closes) and reads them with a Wire. */
    private interface Reader {
        void read(Wire wire) throws IOException;
    }

    private static void exchange(byte[] bytes, Reader reader) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    Random r = new Random(bytes.length);
                    for (int p = 0; p < bytes.length; ) {
                        int n = Math.min(bytes.length - p, 1 + r.nextInt(3 * Wire.BUFFER));
                        out.write(bytes, p, n);
                        out.flush();
                        p += n;
                    }
                } catch (IOException ignored) {
                    // the reader may stop early (an over-long line): nothing to check here
                }
            });
            try (Wire wire = Wire.connect((InetSocketAddress) server.getLocalSocketAddress(), Duration.ofSeconds(10))) {
                reader.read(wire);
            }
            peer.join();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void linesEndAtCrlfOrBareLfAndMayBeLongerThanTheBuffer() throws Exception {
        String longLine = "x".repeat(Wire.BUFFER * 3 + 7);
        exchange(ascii("+OK hello\r\nbare\n\r\n" + longLine + "\r\nlast\r\n"), wire -> {
            assertThat(wire.readLine()).isEqualTo("+OK hello");
            assertThat(wire.readLine()).isEqualTo("bare");
            assertThat(wire.readLine()).isEmpty();
            assertThat(wire.readLine()).isEqualTo(longLine);
            assertThat(wire.readLine()).isEqualTo("last");
            assertThatThrownBy(wire::readLine).isInstanceOf(EOFException.class);
        });
    }

    @Test
    void aLineOverTheLimitIsAnError() throws Exception {
        exchange(ascii("y".repeat(Wire.MAX_LINE + Wire.BUFFER + 1) + "\r\n"), wire ->
                assertThatThrownBy(wire::readLine).isInstanceOf(IOException.class).hasMessageContaining("longer than"));
    }

    @Test
    void literalBytesComeFromTheBufferFirst() throws Exception {
        exchange(ascii("* 1 FETCH {5}\r\nabcde)\r\nA1 OK\r\n"), wire -> {
            assertThat(wire.readLine()).isEqualTo("* 1 FETCH {5}");
            ByteArrayOutputStream literal = new ByteArrayOutputStream();
            wire.readBytes(5, literal);
            assertThat(literal.toString(StandardCharsets.US_ASCII)).isEqualTo("abcde");
            assertThat(wire.readLine()).isEqualTo(")");
            assertThat(wire.readLine()).isEqualTo("A1 OK");
        });
    }

    /** Random messages: header lines, an empty line, body lines of 0 to 3 buffers, then "."; checked against a line-by-line model. */
    @Test
    void dotTerminatedMessagesGiveTheirHeadersAndSizeWhereverTheBuffersBreak() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 40; round++) {
            StringBuilder sent = new StringBuilder();
            StringBuilder expectedHeaders = new StringBuilder();
            long expectedBytes = 0;
            int headerLines = 1 + random.nextInt(6);
            for (int i = 0; i < headerLines; i++) {
                String h = "X-H" + i + ": " + "v".repeat(random.nextInt(random.nextBoolean() ? 80 : 2 * Wire.BUFFER));
                sent.append(h).append("\r\n");
                expectedHeaders.append(h).append('\n');
                expectedBytes += h.length() + 2;
            }
            sent.append("\r\n");
            expectedBytes += 2;
            int bodyLines = random.nextInt(200);
            for (int i = 0; i < bodyLines; i++) {
                int length = random.nextInt(10) == 0 ? random.nextInt(3 * Wire.BUFFER) : random.nextInt(100);
                // a body line is never a lone "." (dot-stuffed on the wire), but may start with ".."
                String l = random.nextInt(20) == 0 ? ".." : "b".repeat(length);
                sent.append(l).append(random.nextInt(10) == 0 ? "\n" : "\r\n");
                expectedBytes += l.length() + 2;
            }
            sent.append(".\r\nAFTER\r\n");
            long bytes = expectedBytes;
            String headers = expectedHeaders.toString();
            exchange(ascii(sent.toString()), wire -> {
                StringBuilder got = new StringBuilder();
                assertThat(wire.readDotTerminated(got)).isEqualTo(bytes);
                assertThat(got.toString()).isEqualTo(headers);
                assertThat(wire.readLine()).as("the line after the message").isEqualTo("AFTER");
            });
        }
    }
}
