package org.twinmail.mail.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderTest {
    private static Header parse(String s) {
        return Header.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCharsetParameterWithoutAValueLeavesTheFallbackAsItIs() {
        // found by the fuzzer in CI: "charset(utf-8" is a parameter with no value (mime4j gives null),
        // and 8-bit octets in the header made the parser look for the declared charset
        byte[] raw = ("Content-Type: text/plain; charset(utf-8\r\nSubject: caf\u00e9\r\n\r\nbody").getBytes(StandardCharsets.ISO_8859_1);
        Header h = Header.parse(raw);
        assertThat(h.fields()).hasSize(2);
        assertThat(h.fields().get(1).value()).isEqualTo("caf\u00e9"); // windows-1252, the default fallback
    }

    @Test
    void fieldsWithFoldingOffsetsAndBody() {
        String m = "From: a@b.example\r\nSubject: one\r\n two\r\n\tthree\r\nX-Empty:\r\n\r\nbody\r\n";
        Header h = parse(m);
        assertThat(h.fields()).extracting(HeaderField::name).containsExactly("From", "Subject", "X-Empty");
        HeaderField subject = h.first("subject").orElseThrow();
        assertThat(subject.raw()).isEqualTo(" one\r\n two\r\n\tthree\r\n");
        assertThat(subject.value()).isEqualTo("one two\tthree");
        assertThat(new String(h.bytes(subject), StandardCharsets.US_ASCII)).isEqualTo("Subject: one\r\n two\r\n\tthree\r\n");
        assertThat(h.value("X-EMPTY")).isEmpty();
        assertThat(h.value("Missing")).isNull();
        assertThat(m.substring(h.bodyStart())).isEqualTo("body\r\n");
        assertThat(new String(h.bytes(), StandardCharsets.US_ASCII)).endsWith("X-Empty:\r\n");
    }

    @Test
    void bareLineFeedsAndNoBlankLine() {
        Header h = parse("A: 1\nB: 2\n x\n\nbody");
        assertThat(h.all("b")).singleElement().extracting(HeaderField::value).isEqualTo("2 x");
        assertThat(h.bodyStart()).isEqualTo("A: 1\nB: 2\n x\n\n".length());
        Header all = parse("A: 1\r\nB: 2");
        assertThat(all.fields()).hasSize(2);
        assertThat(all.bodyStart()).isEqualTo("A: 1\r\nB: 2".length());
        assertThat(parse("\r\nbody").fields()).isEmpty();
        assertThat(parse("\r\nbody").bodyStart()).isEqualTo(2);
    }

    @Test
    void linesThatAreNotFieldsAreSkipped() {
        Header h = parse(" leading continuation\r\nFrom someone@x Mon Jan 1 10:00:00 2026\r\nno colon here\r\nSubject : obs space\r\n: no name\r\nOk: yes\r\n\r\n");
        assertThat(h.fields()).extracting(HeaderField::name).containsExactly("Subject", "Ok");
        assertThat(h.value("subject")).isEqualTo("obs space");
    }

    @Test
    void eightBitHeadersUtf8ThenDeclaredCharsetThenWindows1252() {
        // RFC 6532: UTF-8
        assertThat(parse("Subject: Grüße 中文\r\n\r\n").value("Subject")).isEqualTo("Grüße 中文");
        // raw GBK with a declared charset
        byte[] gbk = "Subject: 中文主题\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n".getBytes(Charset.forName("GB18030"));
        assertThat(Header.parse(gbk).value("Subject")).isEqualTo("中文主题");
        assertThat(Header.parse(gbk).nonAscii()).isTrue();
        // raw Latin-1, nothing declared
        byte[] latin = "Subject: caf\u00e9 \u0080\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Header.parse(latin).value("Subject")).isEqualTo("café €");
        assertThat(parse("Subject: x\r\n\r\n").nonAscii()).isFalse();
    }

    @Test
    void decodedValue() {
        assertThat(parse("Subject: =?UTF-8?B?5Lit5paH?= =?UTF-8?Q?_mail?=\r\n\r\n").first("subject").orElseThrow().decoded()).isEqualTo("中文 mail");
    }

    @Test
    void readStopsAtTheBodyAndAtTheLimit() throws Exception {
        InputStream in = new ByteArrayInputStream("A: 1\r\nB: 2\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII));
        Header h = Header.read(in, 1000);
        assertThat(h.truncated()).isFalse();
        assertThat(h.fields()).hasSize(2);
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("body");
        Header lf = Header.read(new ByteArrayInputStream("A: 1\n\nrest".getBytes(StandardCharsets.US_ASCII)), 1000);
        assertThat(lf.fields()).hasSize(1);
        // over the limit: only the fields complete within it
        String big = "A: 1\r\nB: 2\r\nC: " + "x".repeat(100) + "\r\n\r\n";
        Header cut = Header.read(new ByteArrayInputStream(big.getBytes(StandardCharsets.US_ASCII)), 20);
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.fields()).extracting(HeaderField::name).containsExactly("A");
        Header empty = Header.read(new ByteArrayInputStream("\r\nbody".getBytes(StandardCharsets.US_ASCII)), 100);
        assertThat(empty.fields()).isEmpty();
        assertThat(empty.truncated()).isFalse();
    }

    @Test
    void veryLongFoldedLines() {
        StringBuilder m = new StringBuilder("References:");
        for (int i = 0; i < 5000; i++) m.append("\r\n <").append(i).append("@x.example>");
        m.append("\r\nSubject: ").append("y".repeat(100_000)).append("\r\n\r\n");
        Header h = parse(m.toString());
        assertThat(h.value("References")).startsWith("<0@x.example> <1@x.example>").endsWith("<4999@x.example>");
        assertThat(h.value("Subject")).hasSize(100_000);
    }
}
