package org.twinmail.mail.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MimePartTest {
    private static MimePart parse(String s) {
        return MimePart.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String slice(MimePart p, int from, int to) {
        return new String(p.data(), from, to - from, StandardCharsets.UTF_8);
    }

    private static final String MESSAGE = """
            From: a@example.org\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            preamble\r
            --b1\r
            Content-Type: text/plain; charset=iso-8859-1\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            caf=E9\r
            --b1\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: base64\r
            Content-Disposition: attachment; filename*=utf-8''%E4%B8%AD.bin\r
            \r
            AAEC\r
            AwQ=\r
            --b1\r
            Content-Type: message/rfc822\r
            \r
            Subject: inner\r
            \r
            inner body\r
            --b1--\r
            epilogue\r
            """;

    @Test
    void treeOffsetsAndDecoding() throws Exception {
        MimePart root = parse(MESSAGE);
        assertThat(root.type()).isEqualTo("multipart");
        assertThat(root.children()).hasSize(3);
        MimePart text = root.children().get(0);
        assertThat(slice(root, text.headerStart(), text.bodyStart())).startsWith("Content-Type: text/plain").endsWith("\r\n\r\n");
        assertThat(slice(root, text.bodyStart(), text.end())).isEqualTo("caf=E9");
        assertThat(text.charset()).isEqualTo(Charset.forName("windows-1252"));
        assertThat(text.text()).isEqualTo("café");
        MimePart bin = root.children().get(1);
        try (InputStream in = bin.decodedBody().orElseThrow()) {
            assertThat(in.readAllBytes()).containsExactly(0, 1, 2, 3, 4);
        }
        assertThat(bin.disposition().getValue()).containsEntry("filename", "中.bin");
        MimePart msg = root.children().get(2);
        assertThat(msg.message().header("Subject")).isEqualTo("inner");
        assertThat(slice(root, msg.message().bodyStart(), msg.message().end())).isEqualTo("inner body");
        assertThat(root.leaves()).containsExactly(text, bin, msg.message());
        try (InputStream raw = text.body()) {
            assertThat(new String(raw.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("caf=E9");
        }
    }

    @Test
    void missingOrWrongBoundariesAndBareLf() {
        // the closing delimiter never comes: the last part runs to the end
        MimePart open = parse("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhello\n");
        assertThat(open.children()).singleElement().satisfies(p -> assertThat(p.text()).isEqualTo("hello\n"));
        // a boundary that never occurs: no parts (IMAP describes it as an empty text part)
        MimePart wrong = parse("Content-Type: multipart/mixed; boundary=nothere\r\n\r\n--other\r\n\r\nx\r\n");
        assertThat(wrong.children()).isEmpty();
        assertThat(wrong.isMultipart()).isTrue();
        // a multipart with no boundary parameter at all
        assertThat(parse("Content-Type: multipart/mixed\r\n\r\nbody\r\n").children()).isEmpty();
        // no header at all
        MimePart none = parse("just text");
        assertThat(none.type()).isEqualTo("text");
        assertThat(none.bodySize()).isZero();
    }

    @Test
    void charsetsOfTextParts() {
        byte[] gbk = "Content-Type: text/plain; charset=GB2312\r\n\r\n中文正文".getBytes(Charset.forName("GB18030"));
        assertThat(MimePart.parse(gbk).text()).isEqualTo("中文正文");
        byte[] jis = "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n日本語".getBytes(Charset.forName("ISO-2022-JP"));
        assertThat(MimePart.parse(jis).text()).isEqualTo("日本語");
        assertThat(parse("Content-Type: text/plain; charset=x-no-such\r\n\r\nü").text()).isEqualTo("ü");
        assertThat(parse("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nraw").decodedBody()).isEmpty();
        assertThat(parse("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nraw").text()).isEqualTo("raw");
    }

    @Test
    void contentLanguages() {
        assertThat(parse("Content-Language: en, de (German)\r\n\r\nx").languages()).containsExactly("en", "de");
        assertThat(parse("Content-Language: i-klingon\r\n\r\nx").languages()).containsExactly("i-klingon");
        assertThat(parse("Subject: none\r\n\r\nx").languages()).isEmpty();
        assertThat(parse("Content-Language: ,\r\n\r\nx").languages()).isEmpty();
    }

    @Test
    void transferEncodingStreams() throws Exception {
        InputStream qp = TransferEncoding.decode(new java.io.ByteArrayInputStream("a=3Db=\r\nc".getBytes(StandardCharsets.US_ASCII)), "Quoted-Printable ").orElseThrow();
        assertThat(new String(qp.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("a=bc");
        InputStream b64 = TransferEncoding.decode(new java.io.ByteArrayInputStream("aGVs!!bG8=".getBytes(StandardCharsets.US_ASCII)), "BASE64").orElseThrow();
        assertThat(new String(b64.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(TransferEncoding.decode(InputStream.nullInputStream(), null)).isPresent();
        assertThat(TransferEncoding.known("binary")).isTrue();
        assertThat(TransferEncoding.known("x-gzip")).isFalse();
    }
}
