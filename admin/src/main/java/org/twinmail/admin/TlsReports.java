package org.twinmail.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminOperations.TlsFailureInfo;
import org.twinmail.admin.AdminOperations.TlsPolicyInfo;
import org.twinmail.admin.AdminOperations.TlsReportInfo;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * SMTP TLS reports (TLS-RPT, RFC 8460) that other mail servers send about their connections to
 * our MX, kept in the store's {@link Records} (kind {@value #KIND}) for {@link #KEEP} and shown by
 * {@code twinmail admin tlsrpt list}. A report is reduced to what an administrator reads (who sent
 * it, the period, per policy the sessions that succeeded and failed and the first failure details),
 * so a stranger cannot store arbitrary data: the endpoint that receives reports is open to the
 * internet. Only reports about our own domains are kept, at most {@link #MAX_REPORTS} at once.
 */
public final class TlsReports {

    public static final String KIND = "tlsrpt.report";
    /** How long a report is kept (about a quarter: long enough to see a trend after switching MTA-STS to enforce). */
    public static final Duration KEEP = Duration.ofDays(90);
    /** Reports kept at once; more are refused until old ones expire (a bound against a flood of fake reports). */
    public static final int MAX_REPORTS = 5000;
    /** Failure details kept per policy (RFC 8460 4.3 lets a report carry any number). */
    public static final int MAX_DETAILS = 20;
    /** Policies kept per report. */
    public static final int MAX_POLICIES = 50;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;
    private final Predicate<String> servedDomain;
    private final Clock clock;

    public TlsReports(Records records, Predicate<String> servedDomain, Clock clock) {
        this.records = records;
        this.servedDomain = servedDomain;
        this.clock = clock;
    }

    /**
     * Reads a report (the JSON of RFC 8460 4, already decompressed), keeps the policies about our
     * domains and stores it; the same report sent again replaces itself.
     *
     * @throws AdminException INVALID when it is not a report or names none of our domains, UNAVAILABLE when {@link #MAX_REPORTS} are kept
     */
    public TlsReportInfo accept(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw invalid("not JSON");
        }
        if (root == null || !root.isObject()) throw invalid("not a TLS report object");
        String org = text(root, "organization-name");
        String id = text(root, "report-id");
        JsonNode range = root.path("date-range");
        String start = dateTime(text(range, "start-datetime"));
        String end = dateTime(text(range, "end-datetime"));
        JsonNode policies = root.path("policies");
        if (!policies.isArray()) throw invalid("no policies array");
        List<TlsPolicyInfo> kept = new ArrayList<>();
        for (JsonNode p : policies) {
            JsonNode policy = p.path("policy");
            String domain = text(policy, "policy-domain").toLowerCase(Locale.ROOT);
            if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
            if (!servedDomain.test(domain)) continue;
            String type = text(policy, "policy-type");
            List<String> mx = new ArrayList<>();
            for (JsonNode m : policy.path("mx-host")) if (m.isTextual() && mx.size() < 10) mx.add(clip(m.asText(), 255));
            JsonNode summary = p.path("summary");
            long ok = count(summary, "total-successful-session-count");
            long failed = count(summary, "total-failure-session-count");
            List<TlsFailureInfo> failures = new ArrayList<>();
            for (JsonNode f : p.path("failure-details")) {
                if (failures.size() == MAX_DETAILS) break;
                failures.add(new TlsFailureInfo(clip(f.path("result-type").asText(""), 64), clip(f.path("sending-mta-ip").asText(""), 64),
                        clip(f.path("receiving-mx-hostname").asText(""), 255), Math.max(0, f.path("failed-session-count").asLong(0)),
                        clip(f.path("failure-reason-code").asText(""), 255)));
            }
            if (kept.size() < MAX_POLICIES) kept.add(new TlsPolicyInfo(clip(type, 16), domain, mx, ok, failed, failures));
        }
        if (kept.isEmpty()) throw invalid("the report is about none of our domains");
        TlsReportInfo info = new TlsReportInfo(clip(org, 255), clip(id, 255), start, end, Instant.now(clock).toString(), kept);
        String name = name(info.organization(), info.reportId());
        if (records.record(KIND, "", name).isEmpty() && liveCount() >= MAX_REPORTS) {
            throw new AdminException(Kind.UNAVAILABLE, "the store keeps " + MAX_REPORTS + " TLS reports already; try again later");
        }
        try {
            records.putRecord(KIND, "", name, JSON.writeValueAsBytes(info), Instant.now(clock).plus(KEEP).toEpochMilli());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return info;
    }

    /** Every report kept and not expired, newest period first. */
    public List<TlsReportInfo> list() {
        long now = clock.millis();
        List<TlsReportInfo> out = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, "")) {
            if (r.expiresMillis() != 0 && r.expiresMillis() <= now) continue;
            try {
                out.add(JSON.readValue(r.value(), TlsReportInfo.class));
            } catch (IOException e) {
                // a value this build cannot read (written by a newer one): skip it rather than fail the list
            }
        }
        out.sort(Comparator.comparing(TlsReportInfo::end).reversed().thenComparing(TlsReportInfo::organization));
        return out;
    }

    private int liveCount() {
        long now = clock.millis();
        return (int) records.records(KIND, "").stream().filter(r -> r.expiresMillis() == 0 || r.expiresMillis() > now).count();
    }

    private static String name(String org, String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((org + "\n" + id).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isBlank()) throw invalid("missing \"" + field + "\"");
        return v.asText().strip();
    }

    private static long count(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.canConvertToLong() || v.asLong() < 0) throw invalid("missing or negative \"" + field + "\"");
        return v.asLong();
    }

    /** RFC 8460 4.4: date-time of RFC 3339, kept as the instant it names. */
    private static String dateTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant().toString();
        } catch (DateTimeParseException e) {
            throw invalid("not an RFC 3339 date-time: " + AdminService.oneLine(clip(text, 64)));
        }
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static AdminException invalid(String why) {
        return new AdminException(Kind.INVALID, "not a TLS report (RFC 8460): " + why);
    }
}
