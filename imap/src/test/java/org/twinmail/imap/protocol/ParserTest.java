package org.twinmail.imap.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageSpool;

/** The protocol package alone: framing, tokens, sequence sets, mailbox name encoding. No sockets, no store. */
class ParserTest {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void framerAsksForSynchronizingAndNonSynchronizingLiterals() throws Exception {
        CommandFramer f = new CommandFramer(100, 1000);
        assertThat(f.line(b("a LOGIN {5}"))).isEqualTo(new CommandFramer.Next.Literal(5, true));
        f.literal(MessageSpool.of(b("alice")));
        assertThat(f.line(b(" {3+}"))).isEqualTo(new CommandFramer.Next.Literal(3, false));
        f.literal(MessageSpool.of(b("pw\"")));
        CommandFramer.Next done = f.line(b(""));
        assertThat(done).isInstanceOf(CommandFramer.Next.Done.class);
        CommandFramer.Frame frame = ((CommandFramer.Next.Done) done).frame();
        ArgReader a = new ArgReader(frame, 10);
        assertThat(a.tag()).isEqualTo("a");
        a.sp();
        assertThat(a.keyword()).isEqualTo("LOGIN");
        a.sp();
        assertThat(a.astring()).isEqualTo("alice");
        a.sp();
        assertThat(a.astring()).isEqualTo("pw\"");
        a.end();
    }

    @Test
    void framerRefusesOversizedLiteralsAndLines() throws Exception {
        assertThatThrownBy(() -> new CommandFramer(100, 1000).line(b("a APPEND INBOX {104857600}")))
                .isInstanceOf(ImapSyntaxException.class)
                .extracting(e -> ((ImapSyntaxException) e).kind()).isEqualTo(ImapSyntaxException.Kind.LITERAL_TOO_BIG);
        CommandFramer f = new CommandFramer(100, 20);
        f.line(b("a LOGIN {5}"));
        f.literal(MessageSpool.of(b("alice")));
        assertThatThrownBy(() -> f.line(b(" and then a long tail")))
                .extracting(e -> ((ImapSyntaxException) e).kind()).isEqualTo(ImapSyntaxException.Kind.LINE_TOO_LONG);
        assertThat(CommandFramer.literalAtEnd(b("x {99999999999999999999}"))).isNull();
        assertThat(CommandFramer.literalAtEnd(b("x {}"))).isNull();
        assertThat(CommandFramer.literalAtEnd(b("x ~{7}"))).isEqualTo(new CommandFramer.Next.Literal(7, true));
    }

    private static ArgReader reader(String line, int depth) {
        return new ArgReader(new CommandFramer.Frame(List.of(b(line)), List.of()), depth);
    }

    @Test
    void quotedStringsAndLists() throws Exception {
        ArgReader a = reader("\"a \\\"b\\\\\" (x (y)) NIL", 2);
        assertThat(new String(a.string(), StandardCharsets.UTF_8)).isEqualTo("a \"b\\");
        a.sp();
        a.open();
        assertThat(a.atom()).isEqualTo("x");
        a.sp();
        a.open();
        assertThat(a.atom()).isEqualTo("y");
        a.close();
        a.close();
        a.sp();
        assertThat(a.nstring()).isNull();
        a.end();
        assertThatThrownBy(() -> reader("\"open", 2).string()).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> reader("\"bad \\x\"", 2).string()).hasMessageContaining("escaped");
        ArgReader deep = reader("(((x)))", 2);
        deep.open();
        deep.open();
        assertThatThrownBy(deep::open).extracting(e -> ((ImapSyntaxException) e).kind()).isEqualTo(ImapSyntaxException.Kind.TOO_DEEP);
    }

    @Test
    void sequenceSets() throws Exception {
        SequenceSet s = SequenceSet.parse("1:3,7,10:*");
        assertThat(s.contains(2, 20)).isTrue();
        assertThat(s.contains(5, 20)).isFalse();
        assertThat(s.contains(15, 20)).isTrue();
        assertThat(SequenceSet.parse("5:2").contains(3, 9)).isTrue();
        assertThat(SequenceSet.parse("*").contains(9, 9)).isTrue();
        assertThat(SequenceSet.parse("4294967295").contains(4294967295L, 1)).isTrue();
        assertThat(SequenceSet.parse("$").isSaved()).isTrue();
        for (String bad : List.of("0", "4294967296", "*:*:*", "1:", ",1", "1,,2", "a", "1:0", "1,$", "$:3")) {
            assertThatThrownBy(() -> SequenceSet.parse(bad)).as(bad).isInstanceOf(ImapSyntaxException.class);
        }
        assertThat(SequenceSet.compact(List.of(1L, 2L, 3L, 5L, 7L, 8L))).isEqualTo("1:3,5,7:8");
    }

    @Test
    void modifiedUtf7RoundTrips() throws Exception {
        assertThat(MailboxNames.encode("Entwürfe")).isEqualTo("Entw&APw-rfe");
        assertThat(MailboxNames.encode("~peter/mail/台北/日本語")).isEqualTo("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assertThat(MailboxNames.encode("A&B")).isEqualTo("A&-B");
        for (String s : List.of("Entwürfe", "台北/日本語", "A&B", "plain", "😀 emoji")) {
            assertThat(MailboxNames.decode(MailboxNames.encode(s))).isEqualTo(s);
        }
        assertThatThrownBy(() -> MailboxNames.decode("&Jjo")).isInstanceOf(ImapSyntaxException.class);
        assertThatThrownBy(() -> MailboxNames.decode("caf\u00e9")).isInstanceOf(ImapSyntaxException.class);
    }

    @Test
    void dates() throws Exception {
        assertThat(DateTimes.parseDateTime(" 7-Feb-1994 21:52:25 -0800").toString()).isEqualTo("1994-02-08T05:52:25Z");
        assertThat(DateTimes.parseDate("1-feb-1994").toString()).isEqualTo("1994-02-01");
        assertThatThrownBy(() -> DateTimes.parseDate("31-Foo-1994")).isInstanceOf(ImapSyntaxException.class);
    }
}
