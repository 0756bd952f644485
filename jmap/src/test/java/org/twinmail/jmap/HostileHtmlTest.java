package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twinmail.jmap.mail.ParsedMessage;

/**
 * A message's HTML becomes preview and search text in time linear in its size, whatever its
 * markup: a body of unclosed {@code <script} openings took quadratic time with a
 * backreferencing regular expression (about 70,000 openings in 500 KB: minutes).
 */
class HostileHtmlTest {
    @Test
    void unclosedScriptsCostLinearTime() {
        String html = "<script>".repeat(60_000) + "visible";
        byte[] message = ("From: a@example.com\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n" + html + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        ParsedMessage parsed = new ParsedMessage("0".repeat(64), message);
        String text = parsed.bodyText();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(text).doesNotContain("<script>");
        assertThat(millis).as("parse and text of a 480 KB hostile body").isLessThan(5_000);
    }
}
