package org.twinmail.filter.scan;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;

/**
 * DATA: the message, trace fields included, scanned by clamd (INSTREAM, streamed from the spool).
 * <ul>
 *   <li>infected: 554 5.7.1 (reason {@code virus}), or quarantined ({@code filter.clamav.action:
 *       quarantine}); the signature's name is in the log line {@code <queue id> clamav: <name> found}</li>
 *   <li>clamd down, timed out, in error, or over its StreamMaxLength: 451 4.7.1
 *       ({@code virus_scan_failed}, the default {@code onFailure: tempfail}), or delivered with
 *       {@code X-Virus-Scan: failed} and the same reason ({@code onFailure: accept}): never
 *       unscanned without a trace</li>
 *   <li>larger than {@code filter.clamav.maxSize}: delivered with {@code X-Virus-Scan: skipped}
 *       ({@code virus_unscanned_size})</li>
 * </ul>
 */
public final class ClamAv implements Check.Data {
    private static final Logger log = LoggerFactory.getLogger(ClamAv.class);

    private final ClamdClient client;
    private final long maxSize;
    private final TwinmailConfig.ScanAction action;
    private final TwinmailConfig.OnFailure onFailure;
    private final LongAdder failures = new LongAdder();

    public ClamAv(ClamdClient client, long maxSize, TwinmailConfig.ScanAction action, TwinmailConfig.OnFailure onFailure) {
        this.client = client;
        this.maxSize = maxSize;
        this.action = action;
        this.onFailure = onFailure;
    }

    /** The check the configuration asks for; null when {@code filter.clamav.address} is empty. */
    public static ClamAv of(TwinmailConfig.ClamAv c) {
        if (c.address == null || c.address.isBlank()) return null;
        if (c.maxSize.bytes() < 1) throw new IllegalArgumentException("filter.clamav.maxSize must be positive");
        return new ClamAv(new ClamdClient(ScannerConnection.parse("filter.clamav.address", c.address), c.connectTimeout, c.timeout),
                c.maxSize.bytes(), c.action, c.onFailure);
    }

    @Override
    public String name() {
        return "clamav";
    }

    /** Scans that failed since the start (also counted as {@code virus_scan_failed} verdicts). */
    public long failures() {
        return failures.sum();
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        if (message.size() > maxSize) {
            log.info("{} clamav: not scanned, {} bytes is over filter.clamav.maxSize", envelope.queueId(), message.size());
            return Verdict.addHeaders("virus_unscanned_size", new HeaderField("X-Virus-Scan", "skipped (message too large)"));
        }
        ClamdClient.Result result;
        try (InputStream in = message.open()) {
            result = this.client.scan(in);
        }
        return switch (result) {
            case ClamdClient.Result.Clean c -> Verdict.proceed();
            case ClamdClient.Result.Infected i -> {
                log.warn("{} clamav: {} found, {}", envelope.queueId(), i.signature(), action.text());
                yield action == TwinmailConfig.ScanAction.QUARANTINE ? Verdict.quarantine("virus")
                        : Verdict.reject(554, "5.7.1", "Message rejected: a virus was found in it", "virus");
            }
            case ClamdClient.Result.Failed f -> {
                failures.increment();
                log.warn("{} clamav: scan failed ({}){}: {}", envelope.queueId(), f.why(),
                        f.sizeLimit() ? ", raise clamd's StreamMaxLength or lower filter.clamav.maxSize" : "",
                        onFailure == TwinmailConfig.OnFailure.ACCEPT ? "delivered unscanned" : "tempfail");
                yield onFailure == TwinmailConfig.OnFailure.ACCEPT
                        ? Verdict.addHeaders("virus_scan_failed", new HeaderField("X-Virus-Scan", "failed, not scanned"))
                        : Verdict.tempfail(451, "4.7.1", "Virus scanner temporarily unavailable, try again later", "virus_scan_failed");
            }
        };
    }
}
