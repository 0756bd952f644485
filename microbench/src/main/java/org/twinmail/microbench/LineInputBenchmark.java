package org.twinmail.microbench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.twinmail.protocol.io.LineInput;

/**
 * {@link LineInput#readLine} over a message as SMTP DATA brings it: header lines, then
 * body lines of about 76 characters (base64 or text), CRLF-terminated. This is the path
 * every received byte takes (a JFR profile of the SPECmail2001 maximum put it at 8% of
 * the CPU). Scores are messages (1 MiB each) read per second, so MiB/s; the buffer is Connection's 16 KiB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LineInputBenchmark {

    /** Body line length: 76 (base64, quoted-printable), 998 (the RFC 5322 maximum). */
    @Param({"76", "998"})
    int lineLength;

    private byte[] message;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) out.writeBytes(("X-Header-" + i + ": some value of a header field\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] line = new byte[lineLength];
        while (out.size() < 1 << 20) {
            for (int i = 0; i < line.length; i++) line[i] = (byte) ('A' + random.nextInt(26));
            out.writeBytes(line);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        message = out.toByteArray();
    }

    /** Reads the whole 1 MiB message line by line; returns the byte count so nothing is optimised away. */
    @Benchmark
    public long readMessage() throws IOException {
        LineInput in = new LineInput(new ByteArrayInputStream(message), 16384);
        long bytes = 0;
        LineInput.Line l;
        while ((l = in.readLine(1000)) != null) bytes += l.bytes().length;
        return bytes;
    }
}
