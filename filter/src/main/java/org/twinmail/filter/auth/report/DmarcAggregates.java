package org.twinmail.filter.auth.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.twinmail.filter.auth.DmarcRecord;
import org.twinmail.filter.auth.DmarcResult;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * What DMARC aggregate reports (RFC 7489 7.2) are made of: for each domain that asks for them
 * (rua=) and each UTC day, how many messages came from which IP with which outcome. Counted in
 * memory as messages arrive (no store write per message), merged into one {@link Records}
 * record per domain and day by {@link #flush} (the server calls it every minute and when it
 * stops serving), and turned into reports by {@link DmarcReportSender} once the day is over.
 *
 * <p>Bounded: at most {@link #MAX_ROWS} distinct rows per domain and day (a report is not a
 * log); observations beyond it are counted in {@link #dropped()} and left out.
 */
public final class DmarcAggregates {
    /** Records kind: one record per domain and day, name {@code "<domain> <yyyy-mm-dd>"}. */
    public static final String KIND = "dmarc.aggregate";
    public static final int MAX_ROWS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;
    private final Clock clock;
    private final Map<String, Day> pending = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();

    public DmarcAggregates(Records records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    /**
     * One row of a report: the identifiers and outcomes of one message, which counts.
     *
     * @param disposition what we did: none, quarantine or reject
     * @param dkim the DMARC-aligned DKIM outcome, pass or fail
     * @param spf the DMARC-aligned SPF outcome, pass or fail
     * @param dkimDomain the d= of the first DKIM signature, empty without one
     * @param dkimResult its result (pass, fail, ...), empty without one
     * @param spfDomain the domain SPF checked
     * @param spfResult SPF's result
     */
    public record Row(String sourceIp, String disposition, String dkim, String spf, String headerFrom, String envelopeFrom,
                      String dkimDomain, String dkimResult, String spfDomain, String spfResult) { }

    /** The policy as published, as the report repeats it. */
    public record Published(String domain, String adkim, String aspf, String p, String sp, int pct, List<DmarcRecord.ReportUri> rua) {
        static Published of(String domain, DmarcRecord r) {
            return new Published(domain, r.strictDkim() ? "s" : "r", r.strictSpf() ? "s" : "r", r.policy().token(),
                    r.subdomainPolicy().token(), r.pct(), r.rua());
        }
    }

    /** The content of one record: the policy last seen that day and the rows with their counts. */
    public record Aggregate(String day, Published policy, List<Counted> rows) { }

    public record Counted(Row row, long count) { }

    private static final class Day {
        Published policy;
        final Map<Row, Long> counts = new LinkedHashMap<>();
    }

    /** Counts one message evaluated against a record that asks for aggregate reports; others are ignored. */
    public void observe(DmarcResult result, Row row) {
        DmarcRecord record = result.record();
        if (record == null || record.rua().isEmpty()) return;
        String name = result.policyDomain() + " " + LocalDate.now(clock.withZone(ZoneOffset.UTC));
        synchronized (pending) {
            Day day = pending.computeIfAbsent(name, k -> new Day());
            day.policy = Published.of(result.policyDomain(), record);
            if (day.counts.size() >= MAX_ROWS && !day.counts.containsKey(row)) {
                dropped.incrementAndGet();
                return;
            }
            day.counts.merge(row, 1L, Long::sum);
        }
    }

    /** Merges what was counted since the last flush into the store (one compare-and-set per domain and day). */
    public void flush() {
        Map<String, Day> taken;
        synchronized (pending) {
            if (pending.isEmpty()) return;
            taken = new HashMap<>(pending);
            pending.clear();
        }
        for (Map.Entry<String, Day> e : taken.entrySet()) {
            String name = e.getKey();
            Day day = e.getValue();
            while (true) {
                Optional<StoredRecord> current = records.record(KIND, "", name);
                Map<Row, Long> merged = new LinkedHashMap<>();
                current.map(DmarcAggregates::parse).ifPresent(a -> a.rows().forEach(c -> merged.put(c.row(), c.count())));
                day.counts.forEach((row, n) -> {
                    if (merged.size() < MAX_ROWS || merged.containsKey(row)) merged.merge(row, n, Long::sum);
                    else dropped.addAndGet(n);
                });
                List<Counted> rows = new ArrayList<>();
                merged.forEach((row, n) -> rows.add(new Counted(row, n)));
                byte[] value = write(new Aggregate(name.substring(name.indexOf(' ') + 1), day.policy, rows));
                long version = current.map(StoredRecord::version).orElse(0L);
                if (records.putRecordIf(KIND, "", name, version, value, 0).isPresent()) break;
            }
        }
    }

    /** Observations left out because a domain's day already had {@link #MAX_ROWS} rows. */
    public long dropped() {
        return dropped.get();
    }

    static Aggregate parse(StoredRecord r) {
        try {
            return JSON.readValue(r.value(), Aggregate.class);
        } catch (IOException e) {
            throw new UncheckedIOException("DMARC aggregate record " + r.name() + " does not parse", e);
        }
    }

    private static byte[] write(Aggregate a) {
        try {
            return JSON.writeValueAsBytes(a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
