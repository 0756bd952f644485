package org.twinmail.smtp.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.twinmail.protocol.io.LineInput;

/**
 * Reads the content of one DATA command, from after the 354 reply up to and including
 * the terminating {@code <CRLF>.<CRLF>}, and writes the message as it will be stored.
 *
 * <ul>
 *   <li><b>End of data</b> is recognised only as a "." line that ends in CRLF and follows a
 *       line that also ended in CRLF (or is the first line). {@code <LF>.<LF>},
 *       {@code <LF>.<CRLF>} and {@code <CRLF>.<LF>} are content, never the end: a client
 *       cannot hide a second SMTP transaction inside the first one (SMTP smuggling,
 *       CVE-2023-51764), which is what Postfix's {@code smtpd_forbid_bare_newline=normalize} does.</li>
 *   <li><b>Line endings</b>: a line ended by a bare LF is stored with CRLF, so the store only
 *       ever sees RFC 5322 line ends.</li>
 *   <li><b>Dot-unstuffing</b> (RFC 5321 4.5.2): a leading "." is removed from every content line
 *       that has more after it.</li>
 *   <li><b>Failures</b> (line too long, NUL, over the size limit, mail loop, spool error) never
 *       cut the session: the rest of the data is still read and discarded, so the reply at
 *       the end matches the client's idea of where the message ends. Writing stops at the
 *       first failure, so an oversized message costs no disk.</li>
 * </ul>
 * A client that disconnects before the end gets an {@link EOFException}; nothing was accepted.
 */
public final class DataReader {

    private static final byte[] CRLF = {'\r', '\n'};

    /**
     * @param maxLineOctets   longest line, CRLF included (RFC 5321 4.5.3.1.6 minimum is 1000)
     * @param maxMessageBytes largest message content we accept (the server's limit or a smaller recipient limit)
     * @param maxHops         Received headers beyond which the message is treated as a loop
     */
    public record Limits(int maxLineOctets, long maxMessageBytes, int maxHops) {
        public Limits {
            if (maxLineOctets < 3) throw new IllegalArgumentException("maxLineOctets must leave room for CRLF");
        }
    }

    /** Why a message is refused after its data has been read; the session turns this into the reply. */
    public enum Failure {
        /** A line was longer than {@link Limits#maxLineOctets()}. */
        LINE_TOO_LONG,
        /** The content exceeded {@link Limits#maxMessageBytes()}. */
        TOO_BIG,
        /** The content contained a NUL octet, which RFC 5321 2.3.8 and RFC 6152 exclude from mail data. */
        NUL,
        /** More Received headers than {@link Limits#maxHops()}: a mail loop. */
        LOOP,
        /** The spool (memory or temporary file) could not take the bytes, e.g. disk full. */
        SPOOL_FAILED
    }

    /**
     * @param bytes           content octets after unstuffing and CRLF normalisation (counted even past a failure)
     * @param receivedHeaders Received: header fields found in the header section
     * @param failure         null if the message may be delivered
     */
    public record Result(long bytes, int receivedHeaders, Failure failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    private DataReader() {
    }

    /**
     * Reads message data to its end and writes the accepted lines to {@code sink}.
     *
     * @throws EOFException the client closed the connection before {@code <CRLF>.<CRLF>}
     * @throws IOException  network errors and read timeouts ({@link java.net.SocketTimeoutException})
     */
    public static Result read(LineInput in, OutputStream sink, Limits limits) throws IOException {
        int maxContent = limits.maxLineOctets() - CRLF.length;
        boolean previousEndedInCrlf = true; // the DATA command line ended in a line break
        boolean inHeaders = true;
        int received = 0;
        long bytes = 0;
        Failure failure = null;
        while (true) {
            LineInput.Line line = in.readLine(maxContent);
            if (line == null || line.ending() == LineInput.Ending.EOF) {
                throw new EOFException("connection closed before end of data");
            }
            byte[] b = line.bytes();
            boolean endedInCrlf = line.ending() == LineInput.Ending.CRLF;
            if (b.length == 1 && b[0] == '.' && !line.tooLong() && endedInCrlf && previousEndedInCrlf) {
                return new Result(bytes, received, failure);
            }
            previousEndedInCrlf = endedInCrlf;

            // RFC 5321 4.5.2 removes the first period only when "there are other characters on the
            // line"; a lone "." that did not end the data (bare LF around it) stays as it came.
            int off = b.length > 1 && b[0] == '.' ? 1 : 0;
            int len = b.length - off;
            if (line.tooLong() && failure == null) failure = Failure.LINE_TOO_LONG;
            if (failure == null && line.containsNul()) failure = Failure.NUL;
            if (inHeaders) {
                if (len == 0) {
                    inHeaders = false;
                } else if (isReceivedHeader(b, off)) {
                    received++;
                    if (received > limits.maxHops() && failure == null) failure = Failure.LOOP;
                }
            }
            long lineBytes = (long) len + CRLF.length;
            if (failure == null && bytes + lineBytes > limits.maxMessageBytes()) failure = Failure.TOO_BIG;
            bytes += lineBytes;
            if (failure == null) {
                try {
                    sink.write(b, off, len);
                    sink.write(CRLF);
                } catch (UncheckedIOException | IOException e) {
                    failure = Failure.SPOOL_FAILED;
                }
            }
        }
    }

    /** "Received" followed by optional white space (RFC 5322 obs-optional) and a colon, in any case. */
    private static boolean isReceivedHeader(byte[] b, int off) {
        String name = "received";
        if (b.length - off < name.length() + 1) return false;
        for (int i = 0; i < name.length(); i++) {
            int c = b[off + i] | 0x20;
            if (c != name.charAt(i)) return false;
        }
        for (int i = off + name.length(); i < b.length; i++) {
            if (b[i] == ':') return true;
            if (b[i] != ' ' && b[i] != '\t') return false;
        }
        return false;
    }
}
