package org.twinmail.pop3.session;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.net.Connection;

/**
 * The session's side of the connection: bounded line reads with the idle timeout,
 * reply lines, and the failed-command budget.
 *
 * <p>Replies are buffered and flushed only when the client has nothing more
 * buffered for us (RFC 2449 PIPELINING): a pipelined batch is answered in order and
 * in as few packets as possible, and a client that waits for each answer gets it
 * at once.
 */
final class Pop3Channel {
    private final Connection connection;
    private final int maxLineLength;
    private final int maxErrors;
    private int errors;

    Pop3Channel(Connection connection, TwinmailConfig.Pop3 limits) throws IOException {
        this.connection = connection;
        this.maxLineLength = limits.maxLineLength;
        this.maxErrors = limits.maxErrors;
        // One idle limit for the whole session: RFC 1939's autologout timer.
        connection.setReadTimeout(limits.commandTimeout);
    }

    /**
     * The next client line.
     *
     * @throws EOFException when the client closed the connection; a last line without
     *         its line end counts as not sent, so a cut-off "QUIT" never commits deletions
     * @throws java.net.SocketTimeoutException when no complete line came within {@code pop3.commandTimeout}
     * @throws LineTooLong after answering a line over {@code pop3.maxLineLength}
     */
    LineInput.Line readLine() throws IOException {
        if (!connection.input().hasBuffered()) connection.flush();
        LineInput.Line line = connection.input().readLine(maxLineLength);
        if (line == null || line.ending() == LineInput.Ending.EOF) throw new EOFException("client closed the connection");
        if (line.tooLong()) {
            // What the rest of the line said cannot be known: answer and end the session.
            connection.writeLine("-ERR Line too long");
            connection.lingerOnClose(); // the client is still sending: keep the reply from a reset
            throw new LineTooLong();
        }
        return line;
    }

    /** The client sent a line over {@code pop3.maxLineLength}; the reply is queued and the session ends. */
    static final class LineTooLong extends IOException {
        LineTooLong() {
            super("line too long", null);
        }
    }

    void ok(String text) throws IOException {
        connection.writeLine(text.isEmpty() ? "+OK" : "+OK " + text);
    }

    /** A multi-line reply (RFC 1939 section 3): "+OK text", the lines dot-stuffed, then ".". */
    void okMultiline(String text, List<String> lines) throws IOException {
        ok(text);
        for (String l : lines) connection.writeLine(l.startsWith(".") ? "." + l : l);
        connection.writeLine(".");
    }

    /** A continuation request inside AUTH (RFC 5034 section 4); {@code base64} may be empty. */
    void challenge(String base64) throws IOException {
        connection.writeLine("+ " + base64);
    }

    /**
     * A failed command caused by the client. The failure counts against
     * {@code pop3.maxErrors}; at the limit the session ends after this reply and one
     * line saying why.
     */
    void err(String text) throws IOException, TooManyErrors {
        connection.writeLine("-ERR " + text);
        if (++errors >= maxErrors) {
            connection.writeLine("-ERR Too many errors, closing connection");
            throw new TooManyErrors();
        }
    }

    /** A failure on our side ([SYS/TEMP]): not the client's fault, so not counted. */
    void fail(String text) throws IOException {
        connection.writeLine("-ERR " + text);
    }

    /** Where message bodies are streamed; callers write complete, dot-stuffed replies. */
    OutputStream body() {
        return connection.output();
    }

    int errors() {
        return errors;
    }

    /** Last words on a connection that is about to close; the client may be gone already. */
    void sendQuietly(String line) {
        try {
            connection.writeLine(line);
            connection.flush();
        } catch (IOException ignored) {
            // nobody is listening any more
        }
    }

    void flushQuietly() {
        try {
            connection.flush();
        } catch (IOException ignored) {
            // the client is gone; the session ends anyway
        }
    }
}
