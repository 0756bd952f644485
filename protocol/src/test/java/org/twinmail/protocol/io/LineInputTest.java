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
}
