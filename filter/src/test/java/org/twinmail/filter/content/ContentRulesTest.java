package org.twinmail.filter.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.twinmail.filter.content.Samples.bytes;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;

/** The built-in rules on ham and spam written in the shapes real mail takes. */
class ContentRulesTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);
    final TwinmailConfig.Content config = new TwinmailConfig.Content();
    final ContentScore scorer = new ContentScore(new ContentRules(Map.of(), config.usualCharsets, config.urlShorteners), null,
            1, 1, 1 << 20, config.tagScore, config.junkScore, config.quarantineScore, config.rejectScore, CLOCK);

    @Test
    void hamScoresBelowTheTagThreshold() {
        assertThat(scorer.score(bytes(Samples.HAM_COLLEAGUE)).rules()).isEmpty();
        // a newsletter whose Reply-To is the same organisation and whose link text shows its own domain
        assertThat(scorer.score(bytes(Samples.HAM_NEWSLETTER)).rules()).isEmpty();
        assertThat(scorer.score(bytes(Samples.HAM_REPORT)).rules()).isEmpty();
    }

    @Test
    void phishingHitsTheLinkTheNameTheCapsAndTheMissingId() {
        ContentScore.Score s = scorer.score(bytes(Samples.SPAM_PHISHING));
        assertThat(s.rules()).containsExactly("MISSING_MESSAGE_ID", "FROM_NAME_OTHER_ADDRESS", "SUBJECT_ALL_CAPS", "HTML_ONLY",
                "URL_BARE_IP", "URL_TEXT_MISMATCH");
        assertThat(s.score()).isEqualTo(10.7).isGreaterThanOrEqualTo(config.junkScore);
    }

    @Test
    void anExecutableBehindADocumentsExtension() {
        ContentScore.Score s = scorer.score(bytes(Samples.SPAM_MALWARE));
        assertThat(s.rules()).containsExactly("MISSING_DATE", "ATTACH_EXECUTABLE", "ATTACH_DOUBLE_EXTENSION");
        assertThat(s.score()).isEqualTo(9.0);
    }

    @Test
    void hiddenTextAShortenerAndAFarCharset() {
        ContentScore.Score s = scorer.score(bytes(Samples.spamHidden()));
        assertThat(s.rules()).containsExactly("SUBJECT_CHARSET_UNUSUAL", "HTML_ONLY", "HTML_HIDDEN_TEXT", "URL_SHORTENER");
        assertThat(s.detail()).isEqualTo("5.2:SUBJECT_CHARSET_UNUSUAL+HTML_ONLY+HTML_HIDDEN_TEXT+URL_SHORTENER");
    }

    @Test
    void aDateFarAheadAndAReplyToElsewhere() {
        String m = """
                From: Lotto Desk <desk@lotto-winners.example>
                Reply-To: claims@another-org.example
                To: you@example.com
                Subject: You won
                Date: Fri, 01 Jan 2027 00:00:00 +0000
                Message-ID: <1@lotto-winners.example>

                Claim at www.lotto-winners.example/claim now.
                """;
        assertThat(scorer.score(bytes(m)).rules()).containsExactly("DATE_IN_FUTURE", "FROM_REPLYTO_DIFFER");
    }

    @Test
    void theAdministratorsScoresReplaceTheBuiltInOnesAndZeroTurnsARuleOff() {
        ContentScore tuned = new ContentScore(new ContentRules(Map.of("URL_BARE_IP", 0.0, "HTML_ONLY", 2.0), config.usualCharsets,
                config.urlShorteners), null, 1, 1, 1 << 20, 4, 6, 12, 20, CLOCK);
        ContentScore.Score s = tuned.score(bytes(Samples.SPAM_PHISHING));
        assertThat(s.rules()).doesNotContain("URL_BARE_IP").contains("HTML_ONLY");
        assertThat(s.score()).isEqualTo(9.5);
        assertThatThrownBy(() -> new ContentRules(Map.of("NO_SUCH_RULE", 1.0), List.of(), List.of()))
                .hasMessageContaining("NO_SUCH_RULE");
    }

    @Test
    void linkHostsAndTheirOrganisations() {
        assertThat(ContentRules.host("http://www.paypal.com@198.51.100.7:8080/x")).isEqualTo("198.51.100.7");
        assertThat(ContentRules.host("HTTPS://Example.ORG./a?b")).isEqualTo("example.org");
        assertThat(ContentRules.host("mailto:a@b.example")).isNull();
        assertThat(ContentRules.sameOrganization("news.examplebooks.co.uk", "examplebooks.co.uk")).isTrue();
        assertThat(ContentRules.sameOrganization("paypal.com", "paypal.com.evil.example")).isFalse();
    }

    @Test
    void hiddenStylesAndAttributes() {
        assertThat(Html.hidden("color:red; DISPLAY : none")).isTrue();
        assertThat(Html.hidden("font-size:0")).isTrue();
        assertThat(Html.hidden("font-size: 1px")).isTrue();
        assertThat(Html.hidden("font-size:10px")).isFalse();
        assertThat(Html.hidden("font-size:0.9em")).isFalse();
        assertThat(Html.attribute("a class=x href = 'http://a.example/?q=1&amp;r=2'", "href")).isEqualTo("http://a.example/?q=1&r=2");
        assertThat(Html.attribute("a data-href=\"x\"", "href")).isNull();
    }

    @Test
    void hostileHtmlIsScannedInLinearTime() {
        String open = "<a href=\"http://x.example/\">".repeat(50_000) + "<div style=\"display:none\">".repeat(50_000) + "<".repeat(200_000);
        long start = System.nanoTime();
        Html h = Html.scan(open);
        assertThat(h.links).hasSizeLessThanOrEqualTo(1000);
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(5_000);
    }
}
