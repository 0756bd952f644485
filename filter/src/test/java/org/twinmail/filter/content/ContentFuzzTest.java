package org.twinmail.filter.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.fuzz.Fuzzing;

/**
 * Fuzz target for the content score (docs/fuzzing.md): a whole message as a stranger sends it,
 * through the MIME parse, the rules (the HTML scan, links, attachment names, encoded subjects) and
 * the tokenizer. It never throws, and a message costs time in proportion to its size. Regression
 * inputs: {@code src/test/resources/org/twinmail/filter/content/ContentFuzzTestInputs/score}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ContentFuzzTest {
    static final TwinmailConfig.Content CONFIG = new TwinmailConfig.Content();
    static final ContentScore SCORER = new ContentScore(new ContentRules(Map.of(), CONFIG.usualCharsets, CONFIG.urlShorteners), null,
            1, 1, 1 << 20, 4, 6, 12, 20, ContentRulesTest.CLOCK);

    @FuzzTest
    @DictionaryEntries({"Content-Type: multipart/mixed; boundary=b", "--b", "--b--", "Content-Type: text/html",
            "<a href=\"http://", "\">", "</a>", "style=\"display:none\"", "font-size:0", "=?koi8-r?B?", "?=", "Subject: ",
            "From: \"x@y.example\" <a@b.example>", "Reply-To: ", "filename=\"a.pdf.exe\"", "http://192.0.2.1/", "bit.ly/"})
    void score(FuzzedDataProvider data) {
        byte[] in = data.consumeRemainingAsBytes();
        ContentScore.Score s = Fuzzing.parse(() -> SCORER.score(in));
        assertThat(s).isNotNull();
        Fuzzing.bounded("rules", s.rules().size(), 0, 0, ContentRules.DEFAULT_SCORES.size());
        Fuzzing.bounded("tokens", Bayes.tokens(new ContentRules(Map.of(), CONFIG.usualCharsets, CONFIG.urlShorteners)
                .analyse(org.twinmail.mail.mime.MimePart.parse(in), java.time.OffsetDateTime.now(ContentRulesTest.CLOCK))).length,
                0, 0, Bayes.MAX_TOKENS + 2000);
    }

    @Test
    void hostileHtmlAndHeadersScoreInLinearTime() {
        Fuzzing.linear("html", 20_000, n -> ("Content-Type: text/html\r\nSubject: " + "=?koi8-r?B?QQ==?= ".repeat(n / 200)
                + "\r\n\r\n" + Fuzzing.repeat("<a href=\"http://x.example/\"><div style=\"font-size:0\">aa.bb.cc", n))
                .getBytes(StandardCharsets.UTF_8), SCORER::score);
        Fuzzing.linear("urls", 20_000, n -> ("Subject: x\r\n\r\n" + Fuzzing.repeat("http://a.b.c.d.e.f.g.h.example/ www.", n))
                .getBytes(StandardCharsets.UTF_8), SCORER::score);
    }
}
