package org.twinmail.pop3.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageTransferTest {

    private static String retr(String message) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = MessageTransfer.retr(in(message), out);
        assertThat(n).isEqualTo(message.getBytes(StandardCharsets.ISO_8859_1).length);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String top(String message, long lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageTransfer.top(in(message), out, lines);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** What a client does (RFC 1939 section 3): read lines up to ".", strip one leading "." from the others. */
    private static String unstuff(String reply) {
        assertThat(reply).endsWith("\r\n.\r\n");
        StringBuilder b = new StringBuilder();
        for (String line : reply.split("\r\n", -1)) {
            if (line.equals(".")) return b.toString();
            b.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        throw new AssertionError("no terminator in " + reply);
    }

    @Test
    void plainMessageGoesAsIsWithTerminator() throws IOException {
        String m = "Subject: hi\r\n\r\nhello\r\n";
        assertThat(retr(m)).isEqualTo(m + ".\r\n");
    }

    @Test
    void linesStartingWithDotAreStuffed() throws IOException {
        String m = "Subject: dots\r\n\r\n.\r\n..twice\r\n.start\r\nmid.dle\r\n.";
        String sent = retr(m);
        assertThat(sent).isEqualTo("Subject: dots\r\n\r\n..\r\n...twice\r\n..start\r\nmid.dle\r\n..\r\n.\r\n");
        assertThat(unstuff(sent)).isEqualTo(m + "\r\n");
    }

    @Test
    void firstLineDotIsStuffed() throws IOException {
        assertThat(retr(".hidden: x\r\n\r\nbody\r\n")).startsWith("..hidden: x\r\n");
    }

    @Test
    void dotAfterBareLfIsStuffedToo() throws IOException {
        assertThat(retr("a: b\r\n\r\nx\n.\r\n")).isEqualTo("a: b\r\n\r\nx\n..\r\n.\r\n");
    }

    @Test
    void missingFinalLineEndIsAdded() throws IOException {
        assertThat(retr("a: b\r\n\r\nno newline")).isEqualTo("a: b\r\n\r\nno newline\r\n.\r\n");
        assertThat(retr("")).isEqualTo(".\r\n");
    }

    @Test
    void dotsAcrossBufferBoundariesRoundTrip() throws IOException {
        // Lines that start with "." at every offset relative to the 16 KiB read buffer.
        Random r = new Random(42);
        StringBuilder b = new StringBuilder("Subject: big\r\n\r\n");
        while (b.length() < 200_000) {
            int len = r.nextInt(40);
            b.append(r.nextBoolean() ? "." : "").append("x".repeat(len)).append("\r\n");
        }
        String m = b.toString();
        assertThat(unstuff(retr(m))).isEqualTo(m);
    }

    /** The rules one byte at a time: a "." that starts a line (after any LF) gets another. */
    private static byte[] stuffedModel(byte[] m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte b : m) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Random messages of dots, CRs, LFs and letters, read in random short pieces, against the model. */
    @Test
    void retrMatchesTheByteAtATimeRulesWhereverReadsEnd() throws IOException {
        Random random = new Random(11);
        byte[] alphabet = {'.', '.', '\r', '\n', '\n', 'a'};
        for (int round = 0; round < 500; round++) {
            byte[] m = new byte[random.nextInt(round < 400 ? 200 : 50_000)];
            for (int i = 0; i < m.length; i++) m[i] = alphabet[random.nextInt(alphabet.length)];
            Random pieces = new Random(round);
            InputStream shortReads = new ByteArrayInputStream(m) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, 1 + pieces.nextInt(pieces.nextBoolean() ? 3 : 20_000)));
                }
            };
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(MessageTransfer.retr(shortReads, out)).isEqualTo(m.length);
            assertThat(out.toByteArray()).as("round %d, %d bytes", round, m.length).isEqualTo(stuffedModel(m));
        }
    }

    @Test
    void topSendsHeadersBlankLineAndNLines() throws IOException {
        String m = "A: 1\r\nB: 2\r\n\r\nline1\r\n.line2\r\nline3\r\n";
        assertThat(top(m, 0)).isEqualTo("A: 1\r\nB: 2\r\n\r\n.\r\n");
        assertThat(top(m, 1)).isEqualTo("A: 1\r\nB: 2\r\n\r\nline1\r\n.\r\n");
        assertThat(top(m, 2)).isEqualTo("A: 1\r\nB: 2\r\n\r\nline1\r\n..line2\r\n.\r\n");
        String all = "A: 1\r\nB: 2\r\n\r\nline1\r\n..line2\r\nline3\r\n.\r\n";
        assertThat(top(m, 3)).isEqualTo(all);
        assertThat(top(m, 4)).isEqualTo(all);
        assertThat(top(m, Long.MAX_VALUE)).isEqualTo(all);
    }

    @Test
    void topOfAMessageWithoutBodySendsItAll() throws IOException {
        assertThat(top("A: 1\r\nB: 2\r\n", 0)).isEqualTo("A: 1\r\nB: 2\r\n.\r\n");
        assertThat(top("A: 1", 5)).isEqualTo("A: 1\r\n.\r\n");
    }

    @Test
    void topStopsMidBuffer() throws IOException {
        String body = "l\r\n".repeat(10_000);
        String m = "A: 1\r\n\r\n" + body;
        assertThat(top(m, 3)).isEqualTo("A: 1\r\n\r\nl\r\nl\r\nl\r\n.\r\n");
    }

    @Test
    void failingSourceIsToldApartFromFailingClient() {
        InputStream broken = new InputStream() {
            private int left = 10;

            @Override
            public int read() throws IOException {
                if (left-- > 0) return 'x';
                throw new IOException("disk on fire");
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MessageTransfer.retr(broken, new ByteArrayOutputStream()))
                .isInstanceOf(MessageTransfer.SourceFailed.class).hasMessageContaining("disk on fire");
        java.io.OutputStream gone = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("client gone");
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MessageTransfer.retr(in("a: b\r\n\r\nc\r\n"), gone))
                .isInstanceOf(IOException.class).isNotInstanceOf(MessageTransfer.SourceFailed.class);
    }

    @Test
    void topWithLastBodyLineUnterminated() throws IOException {
        assertThat(top("A: 1\r\n\r\nonly", 1)).isEqualTo("A: 1\r\n\r\nonly\r\n.\r\n");
    }
}
