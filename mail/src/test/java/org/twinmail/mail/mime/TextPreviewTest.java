package org.twinmail.mail.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextPreviewTest {
    private static MimePart parse(String s) {
        return MimePart.parse(s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainTextComesBeforeHtmlWhateverTheOrder() {
        MimePart m = parse("""
                Content-Type: multipart/alternative; boundary=x

                --x
                Content-Type: text/html

                <b>html</b>
                --x
                Content-Type: text/plain

                plain\ttext
                  here
                --x--
                """);
        assertThat(TextPreview.of(m)).isEqualTo("plain text here");
    }

    @Test
    void htmlIsReadAsTextWithoutScriptsStylesOrComments() {
        assertThat(HtmlText.of("<html><head><style>b{}</style></head><body><script>x()</script>"
                + "<p>A&amp;B</p><!-- no --><div>&#169;&#x41;&lt;&unknown;</div></body>"))
                .isEqualTo("\nA&B\n\n\u00a9A<&unknown;\n");
        MimePart m = parse("Content-Type: text/html\n\n<p>one</p><p>two</p>\n");
        assertThat(TextPreview.of(m)).isEqualTo("one two");
    }

    @Test
    void theTokenizerGivesTagsAndTextRunsAndPassesOverScriptsStylesAndComments() {
        StringBuilder events = new StringBuilder();
        HtmlText.scan("<p class=x>a &amp; b<!-- <a href=no> --><SCRIPT>if (a<b) x()</script ><a href='y'>link</A><br/>", new HtmlText.Visitor() {
            public void tag(String name, boolean closing, String tag) {
                events.append('[').append(closing ? "/" : "").append(name).append('|').append(tag).append(']');
            }

            public void text(String html, int from, int to) {
                events.append('(').append(html, from, to).append(')');
            }
        });
        assertThat(events.toString()).isEqualTo("[p|p class=x](a &amp; b)[a|a href='y'](link)[/a|/A][br|br/]");
        // an unterminated tag ends it; a character reference is read within 10 characters only
        assertThat(HtmlText.of("x<b")).isEqualTo("x");
        assertThat(HtmlText.of("&amp;&" + "a".repeat(20) + ";")).isEqualTo("&&" + "a".repeat(20) + ";");
    }

    @Test
    void attachmentsAndNonTextPartsGiveNoPreview() {
        MimePart m = parse("""
                Content-Type: multipart/mixed; boundary=x

                --x
                Content-Type: text/plain
                Content-Disposition: attachment; filename=a.txt

                attached
                --x
                Content-Type: image/png

                xxxx
                --x--
                """);
        assertThat(TextPreview.of(m)).isEmpty();
    }

    @Test
    void cutAtTheLimitInCodePointsWithoutTrailingSpace() {
        String emoji = "\uD83D\uDE00";
        MimePart m = parse("Content-Type: text/plain; charset=utf-8\n\n" + emoji.repeat(300) + "\n");
        String p = TextPreview.of(m);
        assertThat(p.codePointCount(0, p.length())).isEqualTo(256);
        assertThat(p).isEqualTo(emoji.repeat(256));
        assertThat(TextPreview.fold("abc def", 4)).isEqualTo("abc");
        assertThat(TextPreview.fold("  a \r\n b  ", 10)).isEqualTo("a b");
    }
}
