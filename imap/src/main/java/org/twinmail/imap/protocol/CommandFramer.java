package org.twinmail.imap.protocol;

import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.mail.MessageData;

/**
 * Assembles one command from its lines and literals (RFC 9051 4.3): a line that ends in
 * {@code {n}} (synchronizing: the server answers "+" first) or {@code {n+}} (LITERAL+,
 * RFC 7888) is followed by n octets and then the rest of the command on the next line.
 * No I/O: the session feeds lines and literal bytes and asks what comes next, so the
 * rules (size caps, total line budget) are tested without sockets.
 */
public final class CommandFramer {
    /** What the session must read next. */
    public sealed interface Next {
        /** Read {@code size} octets and pass them to {@link #literal}; for a synchronizing literal send "+" first. */
        record Literal(long size, boolean synchronizing) implements Next { }

        /** The command is complete. */
        record Done(Frame frame) implements Next { }
    }

    /**
     * One complete command: its lines (without CRLF) and the literals between them
     * ({@code lines.size() == literals.size() + 1}). Large literals live in spool files:
     * {@link #close()} releases them once the command is done.
     */
    public record Frame(List<byte[]> lines, List<MessageData> literals) implements AutoCloseable {
        public Frame {
            lines = List.copyOf(lines);
            literals = List.copyOf(literals);
        }

        @Override
        public void close() {
            for (MessageData d : literals) d.close();
        }
    }

    private final long maxLiteral;
    private final long maxLineTotal;
    private final List<byte[]> lines = new ArrayList<>();
    private final List<MessageData> literals = new ArrayList<>();
    private long lineTotal;

    /**
     * @param maxLiteral   largest literal accepted
     * @param maxLineTotal the line length limit, for all lines of one command together
     */
    public CommandFramer(long maxLiteral, long maxLineTotal) {
        this.maxLiteral = maxLiteral;
        this.maxLineTotal = maxLineTotal;
    }

    /**
     * Takes the next line of the command.
     *
     * @throws ImapSyntaxException LITERAL_TOO_BIG (the literal announced is over the limit; for a
     *         synchronizing one the client sends nothing more of this command) or LINE_TOO_LONG
     */
    public Next line(byte[] line) throws ImapSyntaxException {
        lineTotal += line.length;
        if (lineTotal > maxLineTotal) throw new ImapSyntaxException(ImapSyntaxException.Kind.LINE_TOO_LONG, "command line too long");
        lines.add(line);
        Next.Literal literal = literalAtEnd(line);
        if (literal == null) return new Next.Done(new Frame(lines, literals));
        if (literal.size() > maxLiteral) {
            throw new ImapSyntaxException(ImapSyntaxException.Kind.LITERAL_TOO_BIG,
                    "literal of " + literal.size() + " octets is over the limit of " + maxLiteral);
        }
        return literal;
    }

    /** Takes the octets of the literal just announced (in memory or spooled by the caller). */
    public void literal(MessageData octets) {
        literals.add(octets);
    }

    /** Releases the literals taken so far, for a command abandoned while it was being read. */
    public void discard() {
        for (MessageData d : literals) d.close();
    }

    /** The literal announced at the end of {@code line}, or null: {@code {123}}, {@code {123+}}, {@code ~{123}}. */
    static Next.Literal literalAtEnd(byte[] line) {
        int n = line.length;
        if (n < 3 || line[n - 1] != '}') return null;
        int i = n - 2;
        boolean nonSync = false;
        if (line[i] == '+') {
            nonSync = true;
            i--;
        }
        int end = i;
        while (i >= 0 && line[i] >= '0' && line[i] <= '9') i--;
        if (i == end || i < 0 || line[i] != '{' || end - i > 19) return null;
        long size;
        try {
            size = Long.parseLong(new String(line, i + 1, end - i, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            size = Long.MAX_VALUE; // 19 digits above 2^63-1 (found by fuzzing): over every limit, refused as too big
        }
        return new Next.Literal(size, !nonSync);
    }
}
