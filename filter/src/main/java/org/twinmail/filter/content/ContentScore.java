package org.twinmail.filter.content;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.policy.SpamLevel;
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
 * A recipient's own spam level ({@link SpamLevels}, set in the webmail's settings, the admin API or
 * the CLI) moves the Junk and tag thresholds for that recipient's copy: {@code strict} and
 * {@code lenient} to {@code strictJunkScore} and {@code lenientJunkScore}, a number to itself,
 * {@code off} out of reach (no X-Spam fields, never Junk); the tag threshold is the administrator's
 * or the user's Junk threshold, whichever is lower. Reject and quarantine are decided for the
 * message as a whole and stay the administrator's. When the recipients' thresholds differ, each
 * group of accounts gets its own fields and filing.
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
    /** The users' own levels; null: the administrator's thresholds for everyone. */
    private final SpamLevels levels;
    private final double strictJunk;
    private final double lenientJunk;

    /** The Junk and tag thresholds one copy is judged against. */
    record Thresholds(double tag, double junk) {
        static final Thresholds OFF = new Thresholds(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    public ContentScore(ContentRules rules, Bayes.Counts bayes, long minSpam, long minHam, int maxSize,
                        double tag, double junk, double quarantine, double reject, Clock clock) {
        this(rules, bayes, minSpam, minHam, maxSize, tag, junk, quarantine, reject, clock, null, junk, junk);
    }

    /**
     * @param levels      the users' own spam levels (null: none)
     * @param strictJunk  the Junk threshold of a user whose level is {@code strict}
     * @param lenientJunk the Junk threshold of a user whose level is {@code lenient}
     */
    public ContentScore(ContentRules rules, Bayes.Counts bayes, long minSpam, long minHam, int maxSize,
                        double tag, double junk, double quarantine, double reject, Clock clock,
                        SpamLevels levels, double strictJunk, double lenientJunk) {
        if (!(tag <= junk && junk <= quarantine && quarantine <= reject)) {
            throw new IllegalArgumentException("filter.content: tagScore <= junkScore <= quarantineScore <= rejectScore");
        }
        if (maxSize < 1024) throw new IllegalArgumentException("filter.content.maxSize must be at least 1K");
        if (!Double.isFinite(strictJunk) || !Double.isFinite(lenientJunk)) {
            throw new IllegalArgumentException("filter.content: strictJunkScore and lenientJunkScore are numbers");
        }
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
        this.levels = levels;
        this.strictJunk = Math.min(strictJunk, junk);   // strict is never laxer than normal,
        this.lenientJunk = Math.max(lenientJunk, junk); // nor lenient stricter
    }

    /** The check {@code filter.content} asks for, with the counts of {@code tokens} (null: no Bayes); null when disabled. */
    public static ContentScore fromConfig(TwinmailConfig.Content c, BayesTokens tokens) {
        return fromConfig(c, tokens, null);
    }

    /** The same with the users' own spam levels ({@code levels}: null for none): the server's MX. */
    public static ContentScore fromConfig(TwinmailConfig.Content c, BayesTokens tokens, SpamLevels levels) {
        if (!c.enabled) return null;
        return new ContentScore(new ContentRules(c.scores, c.usualCharsets, c.urlShorteners), c.bayes.enabled ? tokens : null,
                c.bayes.minSpam, c.bayes.minHam, (int) Math.min(Integer.MAX_VALUE - 16, c.maxSize.bytes()),
                c.tagScore, c.junkScore, c.quarantineScore, c.rejectScore, Clock.systemUTC(), levels, c.strictJunkScore, c.lenientJunkScore);
    }

    /** The thresholds of a user at {@code level}. */
    Thresholds thresholds(SpamLevel level) {
        double j = switch (level.mode()) {
            case OFF -> Double.POSITIVE_INFINITY;
            case LENIENT -> lenientJunk;
            case NORMAL -> junk;
            case STRICT -> strictJunk;
            case SCORE -> level.score();
        };
        return j == Double.POSITIVE_INFINITY ? Thresholds.OFF : new Thresholds(Math.min(tag, j), j);
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

    Verdict verdict(Envelope envelope, Score s) {
        String score = String.format(Locale.ROOT, "%.1f", s.score());
        if (s.score() >= reject) {
            log.info("{} content: score={} rules={}: rejected", envelope.queueId(), score, String.join(",", s.rules()));
            return Verdict.reject(554, "5.7.1", "Message rejected as spam", "content_reject");
        }
        if (s.score() >= quarantine) {
            log.info("{} content: score={} rules={}: quarantined", envelope.queueId(), score, String.join(",", s.rules()));
            return Verdict.quarantine("content_quarantine");
        }
        Thresholds admin = new Thresholds(tag, junk);
        Map<Thresholds, List<Long>> groups = new LinkedHashMap<>();
        if (levels != null) {
            for (Account a : envelope.accounts()) groups.computeIfAbsent(thresholds(levels.level(a.id())), k -> new ArrayList<>()).add(a.id());
        }
        if (groups.isEmpty() || groups.keySet().equals(Set.of(admin))) {
            // everyone at the administrator's thresholds: one verdict for every copy
            List<Verdict.Effect> effects = effects(s, score, admin, List.of());
            return effects.isEmpty() ? Verdict.noted("content_clean") : effects.size() == 1 ? (Verdict) effects.getFirst()
                    : Verdict.effects(effects.toArray(Verdict.Effect[]::new));
        }
        List<Verdict.Effect> effects = new ArrayList<>();
        groups.forEach((t, ids) -> effects.addAll(effects(s, score, t, ids)));
        if (effects.isEmpty()) return Verdict.noted("content_clean");
        return Verdict.effects(effects.toArray(Verdict.Effect[]::new));
    }

    /** The fields and filing of the copies of {@code accountIds} (empty: every copy) at thresholds {@code t}. */
    private static List<Verdict.Effect> effects(Score s, String score, Thresholds t, List<Long> accountIds) {
        if (s.score() < t.tag()) return List.of();
        boolean isSpam = s.score() >= t.junk();
        Verdict.AddHeaders fields = new Verdict.AddHeaders(List.of(
                new HeaderField("X-Spam-Flag", isSpam ? "YES" : "NO"),
                new HeaderField("X-Spam-Score", score),
                new HeaderField("X-Spam-Status", (isSpam ? "Yes" : "No") + ", score=" + score
                        + String.format(Locale.ROOT, " tagged_above=%.1f required=%.1f", t.tag(), t.junk()) + SpamScan.tests(s.rules()))),
                accountIds, "content_tagged");
        return isSpam ? List.of(fields, Verdict.fileInto(SpecialUse.JUNK, Set.of(JUNK_KEYWORD), "content_junk").forAccounts(accountIds))
                : List.of(fields);
    }
}
