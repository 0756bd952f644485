package org.twinmail.imap.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.fuzz.Fuzzing;
import org.twinmail.core.mail.MessageData;

/**
 * Fuzz targets for the IMAP command framer and argument reader (docs/fuzzing.md): lines and
 * literals as a client sends them are framed into a command or refused with an {@link
 * ImapSyntaxException}; the argument reader, driven by a fuzzer-chosen sequence of reads (as the
 * command handlers read their arguments), returns values or throws {@link ImapSyntaxException};
 * so do sequence sets, dates and mailbox names. Regression inputs:
 * {@code src/test/resources/org/twinmail/imap/protocol/ImapParserFuzzTestInputs/<target>}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ImapParserFuzzTest {
    private static final long MAX_LITERAL = 4096;

    @FuzzTest
    @DictionaryEntries({"{", "}", "+}", "~{", "\"", "\\", "(", ")", "NIL", "*", ":", ",", "$", "BODY[", "]", "<", ">", " ", "\\Seen"})
    void command(FuzzedDataProvider data) {
        int maxDepth = data.consumeInt(1, 16);
        List<byte[]> lines = new ArrayList<>();
        CommandFramer.Frame frame = Fuzzing.parse(() -> frame(data, lines), ImapSyntaxException.class);
        if (frame == null) return;
        assertThat(frame.lines()).hasSize(frame.literals().size() + 1);
        ArgReader a = new ArgReader(frame, maxDepth);
        int ops = 0;
        while (data.remainingBytes() > 0 && ops++ < 200) {
            int op = data.consumeInt(0, 15);
            Fuzzing.parse(() -> read(a, op), ImapSyntaxException.class);
        }
        Fuzzing.parse(() -> {
            a.end();
            return null;
        }, ImapSyntaxException.class);
    }

    @FuzzTest
    void sequenceSet(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        SequenceSet s = Fuzzing.parse(() -> SequenceSet.parse(in), ImapSyntaxException.class);
        if (s != null) {
            Fuzzing.bounded("ranges", s.ranges().size(), in.length(), 1, 0);
            Fuzzing.parse(() -> s.contains(7, 100));
            Fuzzing.parse(s::toString);
        }
    }

    @FuzzTest
    void dateAndMailboxName(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 2);
        String in = data.consumeRemainingAsString();
        switch (which) {
            case 0 -> Fuzzing.parse(() -> DateTimes.parseDateTime(in), ImapSyntaxException.class);
            case 1 -> Fuzzing.parse(() -> DateTimes.parseDate(in), ImapSyntaxException.class);
            default -> {
                String name = Fuzzing.parse(() -> MailboxNames.decode(in), ImapSyntaxException.class);
                if (name != null) Fuzzing.bounded("mailbox name", name.length(), in.length(), 1, 0);
                Fuzzing.bounded("encoded name", Fuzzing.parse(() -> MailboxNames.encode(in)).length(), in.length(), 8, 2);
            }
        }
    }

    /** Feeds lines to the framer as the session does: each literal announced is read from the input (as much as there is). */
    private static CommandFramer.Frame frame(FuzzedDataProvider data, List<byte[]> lines) throws ImapSyntaxException {
        CommandFramer framer = new CommandFramer(MAX_LITERAL, Fuzzing.MAX_INPUT);
        for (int i = 0; i < 100; i++) {
            byte[] line = lineOf(data);
            lines.add(line);
            CommandFramer.Next next = framer.line(line);
            switch (next) {
                case CommandFramer.Next.Done d -> {
                    return d.frame();
                }
                case CommandFramer.Next.Literal l -> {
                    assertThat(l.size()).isBetween(0L, MAX_LITERAL);
                    framer.literal(new Bytes(data.consumeBytes((int) l.size())));
                }
            }
        }
        throw new ImapSyntaxException(ImapSyntaxException.Kind.LINE_TOO_LONG, "too many lines");
    }

    /** One line as the line reader hands it over (without its CRLF): the next input octets up to a LF; those after it are dropped. */
    private static byte[] lineOf(FuzzedDataProvider data) {
        byte[] rest = data.consumeBytes(Math.min(data.remainingBytes(), 4096));
        int end = 0;
        while (end < rest.length && rest[end] != '\n') end++;
        byte[] line = Arrays.copyOf(rest, end > 0 && rest[end - 1] == '\r' ? end - 1 : end);
        return line;
    }

    private static Object read(ArgReader a, int op) throws ImapSyntaxException {
        return switch (op) {
            case 0 -> a.tag();
            case 1 -> a.atom();
            case 2 -> a.astring();
            case 3 -> a.listMailbox();
            case 4 -> a.string();
            case 5 -> a.nstring();
            case 6 -> a.number(true);
            case 7 -> a.nzNumber();
            case 8 -> a.sequenceSet();
            case 9 -> a.flags(true);
            case 10 -> {
                a.open();
                yield null;
            }
            case 11 -> {
                a.close();
                yield null;
            }
            case 12 -> {
                a.sp();
                yield null;
            }
            case 13 -> a.dottedName();
            case 14 -> a.literalNext() ? a.literalData().size() : a.keyword();
            default -> a.rest();
        };
    }

    /** Found by fuzzing: 19 digits above 2^63-1 threw NumberFormatException out of the framer and the reader. */
    @Test
    void numbersAboveTheLongRangeAreRefusedAsTooBigNotThrown() throws Exception {
        byte[] line = "a APPEND x {9999999999999999999+}".getBytes(StandardCharsets.US_ASCII);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CommandFramer(1024, 8192).line(line))
                .isInstanceOfSatisfying(ImapSyntaxException.class, e -> assertThat(e.kind()).isEqualTo(ImapSyntaxException.Kind.LITERAL_TOO_BIG));
        CommandFramer.Next next = new CommandFramer(1024, 8192).line("9999999999999999999 x".getBytes(StandardCharsets.US_ASCII));
        ArgReader a = new ArgReader(((CommandFramer.Next.Done) next).frame(), 8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.number(true)).isInstanceOf(ImapSyntaxException.class).hasMessageContaining("too large");
    }

    @Test
    void linearOnLongLinesAndManyParts() {
        Fuzzing.linear("long sequence set", 2000, n -> Fuzzing.repeat("1:2,", 4 * n), s -> {
            try {
                SequenceSet.parse(s);
            } catch (ImapSyntaxException expected) {
                // the time is what is measured
            }
        });
        Fuzzing.linear("long quoted string", 2000, n -> ("a LOGIN \"" + Fuzzing.repeat("\\\\", 10 * n) + "\" x").getBytes(StandardCharsets.US_ASCII), l -> {
            try {
                ArgReader a = new ArgReader(new CommandFramer(0, Long.MAX_VALUE).line(l) instanceof CommandFramer.Next.Done d ? d.frame() : null, 8);
                a.tag();
                a.sp();
                a.atom();
                a.sp();
                a.astring();
            } catch (ImapSyntaxException e) {
                throw new AssertionError(e);
            }
        });
        Fuzzing.linear("many flags", 2000, n -> ("(" + Fuzzing.repeat("\\Seen ", 5 * n) + "x)").getBytes(StandardCharsets.US_ASCII), l -> {
            try {
                ArgReader a = new ArgReader(new CommandFramer(0, Long.MAX_VALUE).line(l) instanceof CommandFramer.Next.Done d ? d.frame() : null, 8);
                a.flags(false);
            } catch (ImapSyntaxException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** A literal held in memory. */
    private record Bytes(byte[] data) implements MessageData {
        public long size() {
            return data.length;
        }

        public String sha256() {
            return "";
        }

        public InputStream open() {
            return new ByteArrayInputStream(data);
        }

        public byte[] bytes() {
            return data;
        }

        public void close() {
        }
    }
}
