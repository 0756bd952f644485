package org.twinmail.pop3.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams a stored message as the body of a RETR or TOP reply (RFC 1939 section 3):
 * every line that begins with "." gets one more ".", the last line is ended if the
 * message lacks a final line end, and ".CRLF" closes the reply.
 *
 * <p>A line starts after any LF, bare or not. Messages are stored with CRLF, but
 * should a bare LF slip into one, a client that splits lines on LF still never sees
 * an unstuffed "." line, so a message can neither end the reply early nor smuggle
 * text that the client would take for the next reply.
 */
final class MessageTransfer {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = {'.', '\r', '\n'};

    private MessageTransfer() {}

    /**
     * Reading the stored message failed after the reply had begun. Kept apart from
     * failures to write to the client: those are the client's business, this one is
     * ours and is logged as a warning.
     */
    static final class SourceFailed extends IOException {
        SourceFailed(IOException cause) {
            super("reading the stored message failed: " + cause.getMessage(), cause);
        }
    }

    /** Sends the whole message; returns the message octets sent (stuffing not counted). */
    static long retr(InputStream message, OutputStream out) throws IOException {
        // The common case, kept apart from TOP's line counting: only the byte after each LF
        // matters here (RETR bodies were 13% of the server's CPU at the SPECmail2001 maximum).
        byte[] buf = new byte[16384];
        boolean lineStart = true;
        long sent = 0;
        int n;
        while ((n = read(message, buf)) > 0) {
            if (lineStart && buf[0] == '.') out.write('.');
            int run = 0; // start of the bytes not yet written
            for (int i = 0; i < n - 1; i++) {
                if (buf[i] == '\n' && buf[i + 1] == '.') {
                    out.write(buf, run, i + 1 - run);
                    out.write('.');
                    run = i + 1; // the original "." goes out with the next run
                }
            }
            out.write(buf, run, n - run);
            sent += n;
            lineStart = buf[n - 1] == '\n';
        }
        if (!lineStart) out.write(CRLF);
        out.write(END);
        return sent;
    }

    /**
     * Sends the header, the blank line that ends it, and {@code bodyLines} lines of
     * the body (TOP). A message without a blank line is all header and goes whole.
     */
    static long top(InputStream message, OutputStream out, long bodyLines) throws IOException {
        if (bodyLines < 0) throw new IllegalArgumentException("negative line count");
        return send(message, out, bodyLines);
    }

    /** @param bodyLines how many body lines to send */
    private static long send(InputStream in, OutputStream out, long bodyLines) throws IOException {
        byte[] buf = new byte[16384];
        boolean lineStart = true;
        boolean lineBlank = true;   // no byte other than CR on the current line yet
        boolean inBody = false;
        long linesLeft = bodyLines;
        long sent = 0;
        int n;
        read:
        while ((n = read(in, buf)) > 0) {
            int run = 0; // start of the bytes not yet written
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') {
                    out.write(buf, run, i - run);
                    out.write('.');
                    run = i; // the original "." goes out with the next run
                }
                lineStart = false;
                if (b == '\n') {
                    lineStart = true;
                    boolean stop = false;
                    if (!inBody) {
                        if (lineBlank) {
                            inBody = true;
                            stop = bodyLines == 0;
                        }
                    } else if (bodyLines > 0) {
                        stop = --linesLeft == 0;
                    }
                    lineBlank = true;
                    if (stop) {
                        out.write(buf, run, i + 1 - run);
                        sent += i + 1;
                        break read;
                    }
                } else if (b != '\r') {
                    lineBlank = false;
                }
            }
            out.write(buf, run, n - run);
            sent += n;
        }
        // The terminator must start a line of its own; the added CRLF is framing, not content.
        if (!lineStart) out.write(CRLF);
        out.write(END);
        return sent;
    }

    private static int read(InputStream in, byte[] buf) throws SourceFailed {
        try {
            return in.read(buf);
        } catch (IOException e) {
            throw new SourceFailed(e);
        }
    }
}
