package org.twinmail.smtp.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twinmail.protocol.io.LineInput;

class DataReaderTest {
    static final DataReader.Limits LIMITS = new DataReader.Limits(1000, 1_000_000, 5);

    record Read(DataReader.Result result, String stored, LineInput rest) { }

    static Read read(String wire, DataReader.Limits limits) throws IOException {
        LineInput in = new LineInput(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)), 64);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader.Result r = DataReader.read(in, sink, limits);
        return new Read(r, sink.toString(StandardCharsets.ISO_8859_1), in);
    }

    static Read read(String wire) throws IOException {
        return read(wire, LIMITS);
    }

    static String next(LineInput in) throws IOException {
        LineInput.Line l = in.readLine(100);
        return l == null ? null : l.ascii();
    }

    @Test
    void simpleMessageEndsAtCrlfDotCrlf() throws IOException {
        Read r = read("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        assertThat(r.result().ok()).isTrue();
        assertThat(r.stored()).isEqualTo("Subject: hi\r\n\r\nbody\r\n");
        assertThat(r.result().bytes()).isEqualTo(r.stored().length());
        assertThat(next(r.rest())).isEqualTo("QUIT");
    }

    @Test
    void emptyMessage() throws IOException {
        Read r = read(".\r\n");
        assertThat(r.result().ok()).isTrue();
        assertThat(r.stored()).isEmpty();
    }

    @Test
    void dotUnstuffing() throws IOException {
        Read r = read("..leading dot\r\n...\r\n..\r\n. \r\n.\r\n");
        assertThat(r.stored()).isEqualTo(".leading dot\r\n..\r\n.\r\n \r\n");
    }

    @Test
    void smugglingWithBareLfAroundTheDotDoesNotEndTheMessage() throws IOException {
        String smuggled = "MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\n";
        for (String trick : new String[] {"\n.\n", "\n.\r\n", "\r\n.\n", "\r\n.\r\r\n"}) {
            Read r = read("first\r\npart" + trick + smuggled + "second\r\n.\r\nNEXT\r\n");
            assertThat(r.result().ok()).as(trick).isTrue();
            assertThat(r.stored()).as(trick).contains("MAIL FROM:<evil@x.example>\r\n").endsWith("second\r\n");
            assertThat(next(r.rest())).as(trick).isEqualTo("NEXT");
        }
        // the lone dot of a non-terminating line is kept as content (RFC 5321 4.5.2 only strips a dot with more after it)
        assertThat(read("a\n.\nb\r\n.\r\n").stored()).isEqualTo("a\r\n.\r\nb\r\n");
    }

    @Test
    void bareLfIsNormalisedToCrlf() throws IOException {
        Read r = read("Subject: lf\n\nline one\nline two\r\n.\r\n");
        assertThat(r.stored()).isEqualTo("Subject: lf\r\n\r\nline one\r\nline two\r\n");
    }

    @Test
    void overlongLineFailsButDataIsConsumedToTheEnd() throws IOException {
        DataReader.Limits limits = new DataReader.Limits(1000, 1_000_000, 5);
        Read r = read("short\r\n" + "x".repeat(10_000) + "\r\nafter\r\n.\r\nNEXT\r\n", limits);
        assertThat(r.result().failure()).isEqualTo(DataReader.Failure.LINE_TOO_LONG);
        assertThat(r.stored()).isEqualTo("short\r\n"); // nothing written after the failure
        assertThat(next(r.rest())).isEqualTo("NEXT");
        // exactly at the limit (998 + CRLF = 1000) is fine
        assertThat(read("y".repeat(998) + "\r\n.\r\n", limits).result().ok()).isTrue();
        assertThat(read("y".repeat(999) + "\r\n.\r\n", limits).result().failure()).isEqualTo(DataReader.Failure.LINE_TOO_LONG);
    }

    @Test
    void sizeLimitIsEnforcedAfterUnstuffingAndStillConsumes() throws IOException {
        DataReader.Limits limits = new DataReader.Limits(1000, 20, 5);
        Read ok = read("0123456789012345678\r\n.\r\n", new DataReader.Limits(1000, 21, 5));
        assertThat(ok.result().ok()).isTrue();
        Read r = read("0123456789\r\n0123456789\r\n0123456789\r\n.\r\nNEXT\r\n", limits);
        assertThat(r.result().failure()).isEqualTo(DataReader.Failure.TOO_BIG);
        assertThat(r.result().bytes()).isEqualTo(36);
        assertThat(r.stored()).isEqualTo("0123456789\r\n");
        assertThat(next(r.rest())).isEqualTo("NEXT");
    }

    @Test
    void nulIsAFailure() throws IOException {
        Read r = read("Subject: x\r\n\r\nbad\0byte\r\nmore\r\n.\r\nNEXT\r\n");
        assertThat(r.result().failure()).isEqualTo(DataReader.Failure.NUL);
        assertThat(next(r.rest())).isEqualTo("NEXT");
    }

    @Test
    void receivedHeadersAreCountedInTheHeaderSectionOnly() throws IOException {
        String five = "Received: from a\r\n\tby b\r\nreceived : x\r\nRECEIVED:y\r\nReceived:\r\nReceived: z\r\n";
        Read r = read(five + "Subject: s\r\n\r\nReceived: in the body\r\n.\r\n");
        assertThat(r.result().ok()).isTrue();
        assertThat(r.result().receivedHeaders()).isEqualTo(5);
        assertThat(read("Received-SPF: pass\r\nX-Received: 1\r\n\r\n.\r\n").result().receivedHeaders()).isZero();
    }

    @Test
    void tooManyHopsIsALoop() throws IOException {
        String six = "Received: hop\r\n".repeat(6);
        Read r = read(six + "\r\nbody\r\n.\r\nNEXT\r\n");
        assertThat(r.result().failure()).isEqualTo(DataReader.Failure.LOOP);
        assertThat(next(r.rest())).isEqualTo("NEXT");
    }

    @Test
    void disconnectBeforeEndIsEof() {
        assertThatThrownBy(() -> read("Subject: x\r\n\r\nhalf a mess")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("Subject: x\r\n\r\nbody\r\n")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("body\r\n.")).isInstanceOf(EOFException.class);
    }

    @Test
    void spoolFailureIsReportedAfterConsumingTheData() throws IOException {
        LineInput in = new LineInput(new ByteArrayInputStream("a\r\nb\r\n.\r\nNEXT\r\n".getBytes(StandardCharsets.US_ASCII)), 64);
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };
        DataReader.Result r = DataReader.read(in, broken, LIMITS);
        assertThat(r.failure()).isEqualTo(DataReader.Failure.SPOOL_FAILED);
        assertThat(next(in)).isEqualTo("NEXT");
    }
}
