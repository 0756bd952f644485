package org.twinmail.filter.scan;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client of ClamAV's clamd: {@code zINSTREAM}, the message sent in length-prefixed chunks
 * straight from its stream (never whole in memory), then the one-line answer. clamd closes the
 * stream at its {@code StreamMaxLength} with {@code INSTREAM size limit exceeded}, which is an
 * {@link Result.Failed} like any other error.
 */
public final class ClamdClient {
    /** Our chunk size; clamd takes chunks of any size up to its StreamMaxLength. */
    static final int CHUNK = 64 * 1024;
    private static final int MAX_ANSWER = 4096;

    private final SocketAddress address;
    private final Duration connectTimeout;
    private final Duration timeout;

    public ClamdClient(SocketAddress address, Duration connectTimeout, Duration timeout) {
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    /** What clamd said about one stream. */
    public sealed interface Result {
        record Clean() implements Result { }

        /** @param signature the name of what was found ({@code Eicar-Signature}) */
        record Infected(String signature) implements Result { }

        /** @param why clamd's error line or our I/O error; {@code sizeLimit} when clamd's StreamMaxLength was reached */
        record Failed(String why, boolean sizeLimit) implements Result { }
    }

    /** Scans {@code in} to its end. I/O errors and timeouts come back as {@link Result.Failed}. */
    public Result scan(InputStream in) {
        try (ScannerConnection c = ScannerConnection.open(address, connectTimeout, timeout)) {
            c.write(ByteBuffer.wrap("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII)));
            IOException writeFailure = null;
            try {
                ByteBuffer length = ByteBuffer.allocate(4);
                ScannerConnection.copy(in, CHUNK, (buf, n) -> {
                    length.clear();
                    length.putInt(n).flip();
                    c.write(length);
                    c.write(ByteBuffer.wrap(buf, 0, n));
                });
                c.write(ByteBuffer.wrap(new byte[4]));
            } catch (IOException e) {
                // clamd answers and closes when the stream is over its limit: read what it said
                writeFailure = e;
            }
            String answer;
            try {
                answer = new String(c.readAll(MAX_ANSWER), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                if (writeFailure != null) throw writeFailure;
                throw e;
            }
            if (answer.isEmpty() && writeFailure != null) throw writeFailure;
            return parse(answer);
        } catch (IOException e) {
            return new Result.Failed(e.toString(), false);
        }
    }

    /** clamd's answer to INSTREAM: {@code stream: OK}, {@code stream: NAME FOUND}, or {@code ... ERROR}. */
    static Result parse(String answer) {
        String a = answer;
        int nul = a.indexOf('\0');
        if (nul >= 0) a = a.substring(0, nul);
        a = a.strip();
        if (a.endsWith(" ERROR")) return new Result.Failed(a, a.contains("size limit exceeded"));
        String body = a.startsWith("stream: ") ? a.substring("stream: ".length()) : a;
        if (body.equals("OK")) return new Result.Clean();
        if (body.endsWith(" FOUND")) {
            String name = body.substring(0, body.length() - " FOUND".length()).strip();
            return new Result.Infected(name.isEmpty() ? "unknown" : name);
        }
        return new Result.Failed("unexpected answer from clamd: " + (a.length() > 200 ? a.substring(0, 200) : a), false);
    }
}
