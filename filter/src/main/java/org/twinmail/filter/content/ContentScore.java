package org.twinmail.filter.content;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.filter.scan.SpamScan;
import org.twinmail.mail.mime.MimePart;

/**
 * DATA on the MX: the built-in content score, the sum of the {@link ContentRules} hit and the
 * Bayes classifier's band ({@link Bayes}, once {@code minSpam} spam and {@code minHam} ham
 * messages have been learned), against {@code filter.content}'s thresholds:
 * <ul>
 *   <li>at or over {@code rejectScore}: 554 5.7.1 ({@code content_reject})</li>
 *   <li>over {@code quarantineScore}: held in the administrator's quarantine ({@code content_quarantine})</li>
 *   <li>over {@code junkScore}: X-Spam-* fields and the recipients' Junk with {@code $Junk}
 *       ({@code content_tagged}, {@code content_junk})</li>
 *   <li>over {@code tagScore}: X-Spam-Flag, X-Spam-Score and X-Spam-Status ({@code content_tagged})</li>
 *   <li>below: {@code content_clean}</li>
 * </ul>
 * Every decision carries the score and the rules hit into the session's log line
 * ({@code data/content/content_junk[7.2:MISSING_DATE+URL_BARE_IP+BAYES_95]}) and is counted in
 * {@code twinmail.filter.verdicts} by reason. Only the first {@code maxSize} octets are read.
 */
public final class ContentScore implements Check.Data {
    private static final Logger log = LoggerFactory.getLogger(ContentScore.class);
    static final String JUNK_KEYWORD = "$Junk";

    private final ContentRules rules;
    private final Bayes.Counts bayes;
    private final long minSpam;
    private final long minHam;
    private final int maxSize;
    private final double tag;
    private final double junk;
    private final double quarantine;
    private final double reject;
    private final Clock clock;

    public ContentScore(ContentRules rules, Bayes.Counts bayes, long minSpam, long minHam, int maxSize,
                        double tag, double junk, double quarantine, double reject, Clock clock) {
        if (!(tag <= junk && junk <= quarantine && quarantine <= reject)) {
            throw new IllegalArgumentException("filter.content: tagScore <= junkScore <= quarantineScore <= rejectScore");
        }
        if (maxSize < 1024) throw new IllegalArgumentException("filter.content.maxSize must be at least 1K");
        this.rules = rules;
        this.bayes = bayes;
        this.minSpam = Math.max(1, minSpam);
        this.minHam = Math.max(1, minHam);
        this.maxSize = maxSize;
        this.tag = tag;
        this.junk = junk;
        this.quarantine = quarantine;
        this.reject = reject;
        this.clock = clock;
    }

    /** The check {@code filter.content} asks for, with the counts of {@code tokens} (null: no Bayes); null when disabled. */
    public static ContentScore fromConfig(TwinmailConfig.Content c, BayesTokens tokens) {
        if (!c.enabled) return null;
        return new ContentScore(new ContentRules(c.scores, c.usualCharsets, c.urlShorteners), c.bayes.enabled ? tokens : null,
                c.bayes.minSpam, c.bayes.minHam, (int) Math.min(Integer.MAX_VALUE - 16, c.maxSize.bytes()),
                c.tagScore, c.junkScore, c.quarantineScore, c.rejectScore, Clock.systemUTC());
    }

    @Override
    public String name() {
        return "content";
    }

    /** A message's score and the rules it hit, in the order reported. */
    public record Score(double score, List<String> rules) {
        public String detail() {
            return String.format(Locale.ROOT, "%.1f", score) + (rules.isEmpty() ? "" : ":" + String.join("+", rules));
        }
    }

    /** Scores a whole message given as octets (tests, the benchmark). */
    public Score score(byte[] message) {
        MimePart m = MimePart.parse(message);
        ContentRules.Analysis a = rules.analyse(m, OffsetDateTime.now(clock));
        List<String> hit = new ArrayList<>(a.hits());
        double score = 0;
        for (String r : hit) score += rules.score(r);
        if (bayes != null && bayes.spamMessages() >= minSpam && bayes.hamMessages() >= minHam) {
            double p = Bayes.spamProbability(Bayes.tokens(a), bayes);
            if (p >= 0) {
                String band = Bayes.band(p);
                if (rules.score(band) != 0) {
                    hit.add(band);
                    score += rules.score(band);
                }
            }
        }
        return new Score(Math.round(score * 100) / 100.0, List.copyOf(hit));
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        byte[] data;
        try (InputStream in = message.open()) {
            data = in.readNBytes(maxSize);
        }
        Score s = score(data);
        return Verdict.explained(verdict(envelope, s), s.detail());
    }

    private Verdict verdict(Envelope envelope, Score s) {
        String score = String.format(Locale.ROOT, "%.1f", s.score());
        if (s.score() >= reject) {
            log.info("{} content: score={} rules={}: rejected", envelope.queueId(), score, String.join(",", s.rules()));
            return Verdict.reject(554, "5.7.1", "Message rejected as spam", "content_reject");
        }
        if (s.score() >= quarantine) {
            log.info("{} content: score={} rules={}: quarantined", envelope.queueId(), score, String.join(",", s.rules()));
            return Verdict.quarantine("content_quarantine");
        }
        if (s.score() < tag) return Verdict.noted("content_clean");
        boolean isSpam = s.score() >= junk;
        Verdict.AddHeaders fields = new Verdict.AddHeaders(List.of(
                new HeaderField("X-Spam-Flag", isSpam ? "YES" : "NO"),
                new HeaderField("X-Spam-Score", score),
                new HeaderField("X-Spam-Status", (isSpam ? "Yes" : "No") + ", score=" + score
                        + String.format(Locale.ROOT, " tagged_above=%.1f required=%.1f", tag, junk) + SpamScan.tests(s.rules()))),
                List.of(), "content_tagged");
        return isSpam ? Verdict.effects(fields, Verdict.fileInto(SpecialUse.JUNK, Set.of(JUNK_KEYWORD), "content_junk")) : fields;
    }
}
