package org.twinmail.filter.scan;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
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

/**
 * DATA: the message scored by SpamAssassin's spamd ({@link SpamdClient}) or rspamd
 * ({@link RspamdClient}), with our thresholds (not the scanner's own required score or action):
 * <ul>
 *   <li>score at or over {@code rejectScore}: 554 5.7.1, reason {@code spam}</li>
 *   <li>over {@code junkScore}: X-Spam-* fields and the recipients' Junk with {@code $Junk}
 *       ({@code spam_tagged}, {@code spam_junk})</li>
 *   <li>over {@code tagScore}: X-Spam-Flag, X-Spam-Score and X-Spam-Status fields ({@code spam_tagged})</li>
 *   <li>spamd down, timed out or in error: delivered with {@code X-Spam-Status: Unknown}
 *       ({@code spam_scan_failed}, the default {@code onFailure: accept}) or 451 4.7.1 ({@code tempfail})</li>
 *   <li>over {@code maxSize}: not scanned, as spamc does</li>
 * </ul>
 * The score and the rules are in the log line {@code <queue id> spamd: score=... tests=...} ({@code rspamd:}).
 */
public final class SpamScan implements Check.Data {
    private static final Logger log = LoggerFactory.getLogger(SpamScan.class);
    /** A message in Junk carries the keyword clients know (RFC 9051's $Junk). */
    static final String JUNK_KEYWORD = "$Junk";

    private final String name;
    private final SpamClient client;
    private final long maxSize;
    private final double tag;
    private final double junk;
    private final double reject;
    private final TwinmailConfig.OnFailure onFailure;
    private final LongAdder failures = new LongAdder();

    public SpamScan(String name, SpamClient client, long maxSize, double tag, double junk, double reject, TwinmailConfig.OnFailure onFailure) {
        if (!(tag <= junk && junk <= reject)) throw new IllegalArgumentException("filter." + name + ": tagScore <= junkScore <= rejectScore");
        this.name = name;
        this.client = client;
        this.maxSize = maxSize;
        this.tag = tag;
        this.junk = junk;
        this.reject = reject;
        this.onFailure = onFailure;
    }

    /** The spamd check the configuration asks for; null when {@code filter.spamd.address} is empty. */
    public static SpamScan spamd(TwinmailConfig.SpamScanner c) {
        if (c.address == null || c.address.isBlank()) return null;
        return new SpamScan("spamd", new SpamdClient(ScannerConnection.parse("filter.spamd.address", c.address), c.connectTimeout, c.timeout),
                c.maxSize.bytes(), c.tagScore, c.junkScore, c.rejectScore, c.onFailure);
    }

    /** The rspamd check the configuration asks for; null when {@code filter.rspamd.address} is empty. */
    public static SpamScan rspamd(TwinmailConfig.SpamScanner c) {
        if (c.address == null || c.address.isBlank()) return null;
        return new SpamScan("rspamd", new RspamdClient(ScannerConnection.parse("filter.rspamd.address", c.address), c.connectTimeout, c.timeout),
                c.maxSize.bytes(), c.tagScore, c.junkScore, c.rejectScore, c.onFailure);
    }

    /** {@code spamd} or {@code rspamd}. */
    @Override
    public String name() {
        return name;
    }

    /** Scans that failed since the start (also counted as {@code spam_scan_failed} verdicts). */
    public long failures() {
        return failures.sum();
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        if (message.size() > maxSize) return Verdict.proceed();
        SpamClient.Result result;
        try (InputStream in = message.open()) {
            result = this.client.check(client, envelope, in, message.size());
        }
        return switch (result) {
            case SpamClient.Result.Failed f -> {
                failures.increment();
                boolean open = onFailure == TwinmailConfig.OnFailure.ACCEPT;
                log.warn("{} {}: scan failed ({}): {}", envelope.queueId(), name, f.why(), open ? "delivered unscanned" : "tempfail");
                yield open ? Verdict.addHeaders("spam_scan_failed", new HeaderField("X-Spam-Status", "Unknown, scanner unavailable"))
                        : Verdict.tempfail(451, "4.7.1", "Spam scanner temporarily unavailable, try again later", "spam_scan_failed");
            }
            case SpamClient.Result.Scored s -> verdict(envelope, s);
        };
    }

    private Verdict verdict(Envelope envelope, SpamClient.Result.Scored s) {
        String score = String.format(Locale.ROOT, "%.1f", s.score());
        log.info("{} {}: score={} tests={}", envelope.queueId(), name, score, String.join(",", s.symbols()));
        if (s.score() >= reject) return Verdict.reject(554, "5.7.1", "Message rejected as spam", "spam");
        if (s.score() < tag) return Verdict.proceed();
        boolean isSpam = s.score() >= junk;
        Verdict.AddHeaders fields = new Verdict.AddHeaders(List.of(
                new HeaderField("X-Spam-Flag", isSpam ? "YES" : "NO"),
                new HeaderField("X-Spam-Score", score),
                new HeaderField("X-Spam-Status", (isSpam ? "Yes" : "No") + ", score=" + score
                        + String.format(Locale.ROOT, " tagged_above=%.1f required=%.1f", tag, junk) + tests(s.symbols()))),
                List.of(), "spam_tagged");
        return isSpam ? Verdict.effects(fields, Verdict.fileInto(SpecialUse.JUNK, Set.of(JUNK_KEYWORD), "spam_junk")) : fields;
    }

    /** {@code tests=A,B,...} folded every few names so no line grows long. */
    public static String tests(List<String> symbols) {
        if (symbols.isEmpty()) return " tests=none";
        StringBuilder b = new StringBuilder("\r\n\ttests=");
        int line = 7;
        List<String> out = new ArrayList<>(symbols);
        for (int i = 0; i < out.size(); i++) {
            String t = out.get(i);
            if (i > 0) {
                b.append(',');
                line++;
                if (line + t.length() > 76) {
                    b.append("\r\n\t");
                    line = 1;
                }
            }
            b.append(t);
            line += t.length();
        }
        return b.toString();
    }
}
