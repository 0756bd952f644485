package org.twinmail.imap.mime;

import org.twinmail.mail.mime.Section;
import org.twinmail.mail.mime.MimePart;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BODYSTRUCTURE and sections for nested multiparts and message/rfc822 (RFC 9051 7.5.2, 6.4.5). */
class MimeStructureTest {
    static final String NESTED = String.join("\r\n",
            "From: a@example.org",
            "Subject: outer",
            "Content-Type: multipart/mixed; boundary=outer",
            "",
            "--outer",
            "Content-Type: multipart/alternative; boundary=\"inner\"",
            "",
            "--inner",
            "Content-Type: text/plain; charset=\"ISO-8859-1\"",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Gr=FC=DFe",
            "--inner",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<p>Hi</p>",
            "--inner--",
            "--outer",
            "Content-Type: message/rfc822",
            "",
            "From: b@example.org",
            "Subject: inner message",
            "",
            "line one",
            "line two",
            "--outer",
            "Content-Type: application/octet-stream; name*0=\"long\"; name*1=\"name.bin\"",
            "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.bin",
            "",
            "xyz",
            "--outer--",
            "");

    static MimePart parse() {
        return MimePart.parse(NESTED.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void nestedStructure() {
        MimePart root = parse();
        assertThat(root.children()).hasSize(3);
        assertThat(root.children().get(0).children()).hasSize(2);
        assertThat(root.children().get(1).message().header("Subject")).isEqualTo("inner message");
        String bs = BodyStructure.of(root, true);
        assertThat(bs).startsWith("(((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL \"quoted-printable\" 9 1 NIL NIL NIL NIL)"
                + "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 9 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)");
        assertThat(bs).contains("(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 65 (NIL \"inner message\" ((NIL NIL \"b\" \"example.org\"))");
        assertThat(bs).contains("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 18 2 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)");
        // RFC 2231: continuations joined, charset decoded; re-encoded as UTF-8 because IMAP strings are 7-bit here.
        assertThat(bs).contains("(\"application\" \"octet-stream\" (\"name\" \"longname.bin\") NIL NIL \"7bit\" 3 NIL"
                + " (\"attachment\" (\"filename*\" \"utf-8''caf%C3%A9.bin\")) NIL NIL)");
        assertThat(bs).endsWith(" \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)");
    }

    @Test
    void sections() {
        MimePart root = parse();
        assertThat(text(new Section(List.of(1, 1), null, List.of()), root)).isEqualTo("Gr=FC=DFe");
        assertThat(text(new Section(List.of(1, 2), "MIME", List.of()), root)).isEqualTo("Content-Type: text/html; charset=utf-8\r\n\r\n");
        assertThat(text(new Section(List.of(2), "HEADER", List.of()), root)).isEqualTo("From: b@example.org\r\nSubject: inner message\r\n\r\n");
        assertThat(text(new Section(List.of(2, 1), null, List.of()), root)).isEqualTo("line one\r\nline two");
        assertThat(text(new Section(List.of(2), "TEXT", List.of()), root)).isEqualTo("line one\r\nline two");
        assertThat(text(new Section(List.of(3), null, List.of()), root)).isEqualTo("xyz");
        assertThat(text(new Section(List.of(9), null, List.of()), root)).isEmpty();
        assertThat(root.children().get(0).children().get(0).text()).isEqualTo("Grüße");
    }

    @Test
    void brokenMimeDoesNotThrow() {
        MimePart p = MimePart.parse("Content-Type: multipart/mixed; boundary=x\r\n\r\nno boundary ever\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(BodyStructure.of(p, true)).isNotEmpty();
        MimePart q = MimePart.parse("no header at all".getBytes(StandardCharsets.US_ASCII));
        assertThat(BodyStructure.of(q, false)).isEqualTo("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
        StringBuilder bomb = new StringBuilder();
        for (int i = 0; i < 200; i++) bomb.append("Content-Type: message/rfc822\r\n\r\n");
        assertThat(BodyStructure.of(MimePart.parse(bomb.toString().getBytes(StandardCharsets.US_ASCII)), true)).isNotEmpty();
    }

    @Test
    void envelopeAddressForms() {
        List<Envelope.Address> list = Envelope.parse("\"Doe, John\" <jd@x.org>, plain@y.org (comment), team: a@b.c, d@e.f;, <@route:r@s.t>");
        assertThat(list).containsExactly(
                new Envelope.Address("Doe, John", null, "jd", "x.org"),
                // a trailing comment names an address that has no phrase (RFC 5322 3.4 readers' practice; Dovecot does so)
                new Envelope.Address("comment", null, "plain", "y.org"),
                new Envelope.Address(null, null, "team", null),
                new Envelope.Address(null, null, "a", "b.c"),
                new Envelope.Address(null, null, "d", "e.f"),
                new Envelope.Address(null, null, null, null),
                // the source route is kept, in ENVELOPE's at-domain-list field
                new Envelope.Address(null, "@route", "r", "s.t"));
    }

    private static String text(Section s, MimePart root) {
        return new String(s.extract(root), StandardCharsets.ISO_8859_1);
    }
}
