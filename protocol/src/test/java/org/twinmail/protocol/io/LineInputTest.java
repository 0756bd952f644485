package org.twinmail.protocol.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twinmail.protocol.io.LineInput.Ending;

class LineInputTest {

    private static LineInput input(String s, int buffer) {
        return new LineInput(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)), buffer);
    }

    @Test
    void readsLinesWithTheirEndings() throws Exception {
        LineInput in = input("EHLO a\r\nNOOP\nlast", 4);
        var l1 = in.readLine(100);
        assertThat(l1.ascii()).isEqualTo("EHLO a");
        assertThat(l1.ending()).isEqualTo(Ending.CRLF);
        var l2 = in.readLine(100);
        assertThat(l2.ascii()).isEqualTo("NOOP");
        assertThat(l2.ending()).isEqualTo(Ending.BARE_LF);
        var l3 = in.readLine(100);
        assertThat(l3.ascii()).isEqualTo("last");
        assertThat(l3.ending()).isEqualTo(Ending.EOF);
        assertThat(in.readLine(100)).isNull();
    }

    @Test
    void bareCrIsContent() throws Exception {
        LineInput in = input("a\rb\r\n\r", 64);
        assertThat(in.readLine(100).ascii()).isEqualTo("a\rb");
        var last = in.readLine(100);
        assertThat(last.ascii()).isEqualTo("\r");
        assertThat(last.ending()).isEqualTo(Ending.EOF);
    }

    @Test
    void overlongLineIsCutAndConsumedToItsEnd() throws Exception {
        LineInput in = input("x".repeat(10_000) + "\r\nNEXT\r\n", 512);
        var l = in.readLine(100);
        assertThat(l.tooLong()).isTrue();
        assertThat(l.bytes()).hasSize(100);
        assertThat(l.ending()).isEqualTo(Ending.CRLF);
        assertThat(in.readLine(100).ascii()).isEqualTo("NEXT");
    }

    @Test
    void crAtTheEndOfOneBufferAndLfAtTheStartOfTheNextEndTheLine() throws Exception {
        LineInput in = input("abc\r\nde\r\r\nf", 4); // buffers: "abc\r" "\nde\r" "\r\nf"
        var l1 = in.readLine(100);
        assertThat(l1.ascii()).isEqualTo("abc");
        assertThat(l1.ending()).isEqualTo(Ending.CRLF);
        var l2 = in.readLine(100);
        assertThat(l2.ascii()).isEqualTo("de\r");
        assertThat(l2.ending()).isEqualTo(Ending.CRLF);
        assertThat(in.readLine(100).ascii()).isEqualTo("f");
    }

    /**
     * The reading rules, checked against a byte-at-a-time model of them over many random
     * inputs, buffer sizes and limits: CRLF and bare LF end a line, any other CR is content,
     * a line over the limit keeps its first bytes and is consumed to its end.
     */
    @Test
    void agreesWithAByteAtATimeModelOnRandomInput() throws Exception {
        java.util.Random random = new java.util.Random(42);
        char[] alphabet = {'a', 'b', '\r', '\n'};
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(60);
            for (int i = 0; i < length; i++) text.append(alphabet[random.nextInt(random.nextBoolean() ? 2 : 4)]);
            int buffer = 1 + random.nextInt(9);
            int max = random.nextInt(8);
            LineInput in = input(text.toString(), buffer);
            java.util.List<String> expected = model(text.toString(), max);
            java.util.List<String> actual = new java.util.ArrayList<>();
            LineInput.Line l;
            while ((l = in.readLine(max)) != null) actual.add(l.ascii() + "|" + l.tooLong() + "|" + l.ending());
            assertThat(actual).as("input %s, buffer %d, max %d", text.toString().replace("\r", "\\r").replace("\n", "\\n"),
                    buffer, max).isEqualTo(expected);
        }
    }

    /** The rules one byte at a time, as simply as they can be written. */
    private static java.util.List<String> model(String text, int max) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int lf = text.indexOf('\n', start);
            String raw = lf < 0 ? text.substring(start) : text.substring(start, lf);
            Ending ending = lf < 0 ? Ending.EOF : raw.endsWith("\r") ? Ending.CRLF : Ending.BARE_LF;
            String content = ending == Ending.CRLF ? raw.substring(0, raw.length() - 1) : raw;
            lines.add(content.substring(0, Math.min(max, content.length())) + "|" + (content.length() > max) + "|" + ending);
            start = lf < 0 ? text.length() : lf + 1;
        }
        return lines;
    }

    @Test
    void lineOfExactlyTheLimitIsNotTooLong() throws Exception {
        LineInput in = input("y".repeat(100) + "\r\n", 16);
        var l = in.readLine(100);
        assertThat(l.tooLong()).isFalse();
        assertThat(l.bytes()).hasSize(100);
    }

    @Test
    void detectsNul() throws Exception {
        assertThat(input("a\0b\r\n", 8).readLine(10).containsNul()).isTrue();
        assertThat(input("ab\r\n", 8).readLine(10).containsNul()).isFalse();
    }

    @Test
    void readExactlyAndPipelinedInput() throws Exception {
        LineInput in = input("A\r\n12345B\r\n", 64);
        assertThat(in.readLine(10).ascii()).isEqualTo("A");
        assertThat(in.hasBuffered()).isTrue();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        in.readExactly(5, sink);
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("12345");
        assertThat(in.readLine(10).ascii()).isEqualTo("B");
        assertThat(in.hasBuffered()).isFalse();
        assertThatThrownBy(() -> in.readExactly(1, null)).isInstanceOf(EOFException.class);
        assertThat(in.bytesRead()).isEqualTo(11);
    }

    @Test
    void switchToDropsBufferedPlaintext() throws Exception {
        LineInput in = input("STARTTLS\r\nRSET\r\n", 64);
        in.readLine(100);
        int dropped = in.switchTo(new ByteArrayInputStream("EHLO x\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(dropped).isEqualTo(6);
        assertThat(in.readLine(100).ascii()).isEqualTo("EHLO x");
    }

    /** Before: the rest of a too-long line was read and dropped until its LF, however long. */
    @Test
    void aLineWithoutEndIsCutAfterTheDiscardLimitInsteadOfReadForever() throws Exception {
        long[] served = {0};
        java.io.InputStream endless = new java.io.InputStream() {
            @Override
            public int read() {
                served[0]++;
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                served[0] += len;
                return len;
            }
        };
        LineInput in = new LineInput(endless, 4096);
        LineInput.Line line = in.readLine(100);
        assertThat(line.tooLong()).isTrue();
        assertThat(line.ending()).isEqualTo(Ending.CUT);
        assertThat(line.bytes()).hasSize(100);
        assertThat(served[0]).isBetween(100L + LineInput.DISCARD_LIMIT, 100L + LineInput.DISCARD_LIMIT + 4096);
    }

    @Test
    void aLongLineWithinTheDiscardLimitIsStillConsumedToItsEnd() throws Exception {
        LineInput in = input("y".repeat(5000) + "\r\nNEXT\r\n", 512);
        LineInput.Line line = in.readLine(100);
        assertThat(line.tooLong()).isTrue();
        assertThat(line.ending()).isEqualTo(Ending.CRLF);
        assertThat(in.readLine(100).ascii()).isEqualTo("NEXT");
    }

    @Test
    void withATimerALineMustBeCompleteWithinItsBudgetAsAWhole() throws Exception {
        // a stream that hands out one byte per call, 30 ms apart, and never a line end
        java.io.InputStream trickle = new java.io.InputStream() {
            @Override
            public int read() throws java.io.IOException {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return 'z';
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                b[off] = (byte) read();
                return 1;
            }
        };
        java.util.List<Long> waits = new java.util.ArrayList<>();
        LineInput in = new LineInput(trickle, 64);
        in.timer(new LineInput.Timer() {
            public long budgetNanos() {
                return 300_000_000L;
            }

            public void waitAtMost(long nanos) {
                waits.add(nanos);
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> in.readLine(1000)).isInstanceOf(java.net.SocketTimeoutException.class);
        long took = System.nanoTime() - start;
        assertThat(took).isBetween(250_000_000L, 1_000_000_000L);
        // every blocking read was told the time left, shrinking
        assertThat(waits).isNotEmpty().isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(waits.getFirst()).isLessThanOrEqualTo(300_000_000L);
    }

    /** Hands out at most {@code chunk} bytes a read and records the size of each read asked for. */
    private static final class RecordingInput extends java.io.InputStream {
        final java.util.List<Integer> asked = new java.util.ArrayList<>();
        private final byte[] data;
        private int pos;

        RecordingInput(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            asked.add(len);
            if (pos == data.length) return -1;
            int n = Math.min(len, data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Test
    void waitsWithASmallBufferAndTakesTheFullOneOnlyForBulkInput() throws Exception {
        byte[] literal = new byte[40_000];
        java.util.Arrays.fill(literal, (byte) 'x');
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes("a APPEND INBOX {40000}\r\n".getBytes(StandardCharsets.US_ASCII));
        all.writeBytes(literal);
        all.writeBytes("\r\nb NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
        RecordingInput source = new RecordingInput(all.toByteArray());
        LineInput in = new LineInput(source, 16384);

        assertThat(in.readLine(1000).ascii()).isEqualTo("a APPEND INBOX {40000}");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        in.readExactly(40_000, got);
        assertThat(got.toByteArray()).isEqualTo(literal);
        assertThat(in.readLine(1000).ascii()).isEmpty();
        assertThat(in.readLine(1000).ascii()).isEqualTo("b NOOP");
        assertThat(in.readLine(1000)).isNull();
        // the first read is small; it came back full, so the literal moves in full-size reads;
        // the read that comes back short (the end of the input) is followed by a small one again
        assertThat(source.asked.getFirst()).isEqualTo(LineInput.SMALL_BUFFER);
        assertThat(source.asked.get(1)).isEqualTo(16384);
        assertThat(source.asked).filteredOn(n -> n == 16384).hasSizeGreaterThanOrEqualTo(2);
        assertThat(source.asked.getLast()).isEqualTo(LineInput.SMALL_BUFFER);
    }

    @Test
    void aBufferSmallerThanTheSmallOneIsKept() throws Exception {
        RecordingInput source = new RecordingInput("ab\r\ncd\r\n".getBytes(StandardCharsets.US_ASCII));
        LineInput in = new LineInput(source, 3);
        assertThat(in.readLine(10).ascii()).isEqualTo("ab");
        assertThat(in.readLine(10).ascii()).isEqualTo("cd");
        assertThat(source.asked).containsOnly(3);
    }
}
