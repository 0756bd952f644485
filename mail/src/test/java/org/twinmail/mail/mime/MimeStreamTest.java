package org.twinmail.mail.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MimeStreamTest {
    private static final String MESSAGE = """
            From: a@example.org\r
            Subject: =?utf-8?q?caf=C3=A9?=\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            --b1\r
            Content-Type: text/plain; charset=gb2312\r
            Content-Transfer-Encoding: base64\r
            \r
            1tDOxA==\r
            --b1\r
            Content-Type: message/rfc822\r
            \r
            Subject: inner\r
            Content-Type: multipart/alternative; boundary=b2\r
            \r
            --b2\r
            Content-Type: text/html\r
            \r
            <p>hi</p>\r
            --b2--\r
            --b1\r
            Content-Type: application/pdf\r
            Content-Transfer-Encoding: base64\r
            \r
            JVBERi0=\r
            --b1--\r
            """;

    private record Seen(int depth, String type, String subject, String content) { }

    private static List<Seen> walk(byte[] message, boolean readBodies) throws IOException {
        List<Seen> seen = new ArrayList<>();
        boolean complete = MimeStream.walk(new ByteArrayInputStream(message), p -> {
            String content = null;
            if (readBodies) {
                try (InputStream in = p.decodedBody().orElse(p.body())) {
                    content = new String(in.readAllBytes(), p.charset());
                }
            }
            seen.add(new Seen(p.depth(), p.type() + "/" + p.subtype(), p.header().value("Subject"), content));
        });
        assertThat(complete).isTrue();
        return seen;
    }

    @Test
    void leafPartsInOrderWithDecodedBodies() throws IOException {
        byte[] m = MESSAGE.getBytes(StandardCharsets.US_ASCII);
        assertThat(walk(m, true)).containsExactly(
                new Seen(1, "text/plain", null, "中文"),
                new Seen(3, "text/html", null, "<p>hi</p>"),
                new Seen(1, "application/pdf", null, "%PDF-"));
        // unread bodies are skipped
        assertThat(walk(m, false)).extracting(Seen::type).containsExactly("text/plain", "text/html", "application/pdf");
    }

    @Test
    void agreesWithMimePartOnTheSameMessage() throws IOException {
        byte[] m = MESSAGE.getBytes(StandardCharsets.US_ASCII);
        List<String> streamed = new ArrayList<>();
        MimeStream.walk(new ByteArrayInputStream(m), p -> streamed.add(p.type() + "/" + p.subtype() + " " + p.charset()));
        List<String> tree = MimePart.parse(m).leaves().stream().map(p -> p.type() + "/" + p.subtype() + " " + p.charset()).toList();
        assertThat(streamed).isEqualTo(tree);
        assertThat(streamed.getFirst()).endsWith(Charset.forName("GB18030").name());
    }

    @Test
    void singlePartAndBrokenMessages() throws IOException {
        assertThat(walk("Subject: s\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII), true))
                .containsExactly(new Seen(0, "text/plain", "s", "body"));
        // the closing boundary never comes
        assertThat(walk("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nhello\n".getBytes(StandardCharsets.US_ASCII), true))
                .extracting(Seen::content).containsExactly("hello\n");
        assertThat(walk(new byte[0], true)).hasSize(1);
        // a nesting bomb stops at the limit instead of recursing on
        StringBuilder bomb = new StringBuilder();
        for (int i = 0; i < 200; i++) bomb.append("Content-Type: message/rfc822\r\n\r\n");
        List<Integer> depths = new ArrayList<>();
        boolean complete = MimeStream.walk(new ByteArrayInputStream(bomb.toString().getBytes(StandardCharsets.US_ASCII)), p -> depths.add(p.depth()));
        assertThat(complete).isFalse();
        assertThat(depths).allMatch(d -> d <= MimePart.MAX_DEPTH);
    }
}
