package org.twinmail.protocol.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleasingBufferedOutputTest {

    /** Records each write that reaches it and each flush. */
    private static final class Below extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();
        int flushes;

        @Override
        public void write(int b) {
            writes.add(1);
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(len);
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void holdsABufferOnlyBetweenTheFirstWriteAndTheNextFlush() throws IOException {
        Below below = new Below();
        ReleasingBufferedOutput out = new ReleasingBufferedOutput(below, 64);
        assertThat(out.holdsBuffer()).isFalse();
        out.write(ascii("* OK ready\r\n"));
        out.write('x');
        assertThat(out.holdsBuffer()).isTrue();
        assertThat(out.buffered()).isEqualTo(13);
        assertThat(below.writes).as("nothing reaches the socket before the flush").isEmpty();
        out.flush();
        assertThat(out.holdsBuffer()).isFalse();
        assertThat(below.writes).containsExactly(13);
        assertThat(below.flushes).isEqualTo(1);
        assertThat(below.bytes.toString(StandardCharsets.US_ASCII)).isEqualTo("* OK ready\r\nx");
        out.flush();
        assertThat(below.writes).as("an empty flush writes nothing").hasSize(1);
    }

    @Test
    void aFullBufferIsWrittenInOnePieceAndLargeWritesGoStraightThroughInOrder() throws IOException {
        Below below = new Below();
        ReleasingBufferedOutput out = new ReleasingBufferedOutput(below, 8);
        out.write(ascii("abcdef"));
        out.write(ascii("ghij")); // does not fit: the six queued go first
        assertThat(below.writes).containsExactly(6);
        byte[] big = ascii("0123456789");
        out.write(big, 0, big.length); // at least the buffer's size: queued bytes, then this, unbuffered
        assertThat(below.writes).containsExactly(6, 4, 10);
        for (int i = 0; i < 9; i++) out.write('z'); // single bytes fill the buffer and drain it
        out.flush();
        assertThat(below.bytes.toString(StandardCharsets.US_ASCII)).isEqualTo("abcdefghij0123456789zzzzzzzzz");
        assertThat(below.writes).containsExactly(6, 4, 10, 8, 1);
    }
}
