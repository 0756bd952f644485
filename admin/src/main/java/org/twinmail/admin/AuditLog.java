package org.twinmail.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The audit log of administrators' actions, kept in the store ({@link Records} kind
 * {@value #KIND}, global scope) so it survives restarts and failovers. Entries are grouped
 * in one record per UTC day (name {@code 2026-12-07}, then {@code 2026-12-07.2} ... when a
 * day's record reaches {@link #MAX_RECORD_BYTES}), each entry one line of JSON (the
 * {@link AuditEntry} fields), appended with a compare-and-set; a day's records expire
 * {@code retention} after the day ends. Reading the newest entries reads the newest days only.
 */
public final class AuditLog {
    public static final String KIND = "admin.audit";
    /** A day's record is continued in the next one above this size (the store allows 1 MiB). */
    static final int MAX_RECORD_BYTES = 512 * 1024;
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;
    private final Clock clock;
    private final Duration retention;

    public AuditLog(Records records, Clock clock, Duration retention) {
        if (retention.isNegative() || retention.isZero()) throw new IllegalArgumentException("the audit log's retention must be positive");
        this.records = records;
        this.clock = clock;
        this.retention = retention;
    }

    public Duration retention() {
        return retention;
    }

    /** Appends {@code entry} (its time is set now if null) to today's record. */
    public void append(AuditEntry entry) {
        Instant now = clock.instant();
        AuditEntry e = entry.time() == null ? entry.withTime(now.toString()) : entry;
        byte[] line;
        try {
            line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        LocalDate day = LocalDate.ofInstant(Instant.parse(e.time()), ZoneOffset.UTC);
        long expires = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(retention).toEpochMilli();
        for (int part = 1, attempt = 0; ; ) {
            String name = part == 1 ? day.toString() : day + "." + part;
            Optional<StoredRecord> r = records.record(KIND, "", name);
            byte[] old = r.map(StoredRecord::value).orElse(new byte[0]);
            if (old.length + line.length > MAX_RECORD_BYTES && old.length > 0) {
                part++;
                continue;
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream(old.length + line.length);
            b.writeBytes(old);
            b.writeBytes(line);
            if (records.putRecordIf(KIND, "", name, r.map(StoredRecord::version).orElse(0L), b.toByteArray(), expires).isPresent()) return;
            if (++attempt > 20) throw new AdminException(AdminException.Kind.UNAVAILABLE, "the audit log is too busy; try again");
        }
    }

    /**
     * The newest entries first, at most {@code limit}, of the days since {@code since} (null: the
     * whole retention); {@code actor} and {@code domain} (null: any) narrow them.
     */
    public List<AuditEntry> newest(int limit, LocalDate since, String actor, String domain) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate first = since != null ? since : today.minusDays(retention.toDays() + 1);
        List<AuditEntry> out = new ArrayList<>();
        for (LocalDate day = today; !day.isBefore(first) && out.size() < limit; day = day.minusDays(1)) {
            List<AuditEntry> ofDay = new ArrayList<>();
            for (int part = 1; ; part++) {
                Optional<StoredRecord> r = records.record(KIND, "", part == 1 ? day.toString() : day + "." + part);
                if (r.isEmpty()) break;
                for (String line : new String(r.get().value(), StandardCharsets.UTF_8).split("\n")) {
                    if (line.isBlank()) continue;
                    try {
                        AuditEntry e = JSON.readValue(line, AuditEntry.class);
                        if ((actor == null || actor.equals(e.actor())) && (domain == null || domain.equals(e.domain()))) ofDay.add(e);
                    } catch (IOException ex) {
                        log.warn("audit log {}: unreadable line skipped: {}", day, ex.getMessage());
                    }
                }
            }
            for (int i = ofDay.size() - 1; i >= 0 && out.size() < limit; i--) out.add(ofDay.get(i));
        }
        return out;
    }
}
