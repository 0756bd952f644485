package org.twinmail.smtp.session;

import java.io.IOException;
import java.util.List;
import org.twinmail.protocol.net.Connection;

/**
 * One SMTP reply (RFC 5321 4.2): a code, the RFC 3463 enhanced status code (null for the
 * greeting and the HELO/EHLO replies, which RFC 2034 exempts) and one or more text lines.
 * Text never contains CR or LF: handlers build it from constants and sanitised client input.
 */
public record Reply(int code, String status, List<String> lines, boolean errorLimitExempt) {

    public Reply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code " + code);
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply needs a line");
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status, List.of(text), false);
    }

    /** A reply without enhanced status code (greeting, HELO, EHLO). */
    public static Reply plain(int code, List<String> lines) {
        return new Reply(code, null, lines, false);
    }

    /** The same reply, not counted by the error limit (a refusal the client is expected to act on, not a client error). */
    public Reply exemptFromErrorLimit() {
        return new Reply(code, status, lines, true);
    }

    /** 4yz and 5yz: shown in the session log's rejects. */
    public boolean isError() {
        return code >= 400;
    }

    /** Counts toward {@code maxErrors}. */
    public boolean countsAsError() {
        return isError() && !errorLimitExempt;
    }

    /** Queues the reply on the connection; the session decides when to flush (RFC 2920). */
    public void writeTo(Connection connection) throws IOException {
        for (int i = 0; i < lines.size(); i++) {
            StringBuilder b = new StringBuilder(64).append(code).append(i < lines.size() - 1 ? '-' : ' ');
            if (status != null) b.append(status).append(' ');
            connection.writeLine(b.append(lines.get(i)).toString());
        }
    }

    @Override
    public String toString() {
        return code + (status == null ? "" : " " + status) + " " + String.join(" / ", lines);
    }
}
