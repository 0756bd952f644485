package org.twinmail.admin.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The traffic and runtime history in the store, so it survives restarts and goes with the data
 * to the standby: one record per minute ({@value #MINUTE}, kept {@code console.minuteHistory})
 * and one per hour ({@value #HOUR}, kept {@code console.hourHistory}), named by their UTC start
 * ({@code 2026-12-07T17:05}, {@code 2026-12-07T17}), each holding every series of that period:
 * {@code {"c":{"received":12,...},"g":{"queue.messages":3,...}}}, counters as increases and
 * gauges as levels (an hour keeps the sum of its minutes' counters and the highest of each
 * gauge). Series that did not move are left out.
 */
public final class TrafficHistory {
    public static final String MINUTE = "stats.minute";
    public static final String HOUR = "stats.hour";
    private static final DateTimeFormatter MINUTE_NAME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR_NAME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;
    private final Duration minuteRetention;
    private final Duration hourRetention;

    /** One period: its start (ISO-8601 instant), counters and gauges. */
    public record Point(String time, Map<String, Double> counters, Map<String, Double> gauges) { }

    public TrafficHistory(Records records, Duration minuteRetention, Duration hourRetention) {
        this.records = records;
        this.minuteRetention = minuteRetention;
        this.hourRetention = hourRetention;
    }

    /**
     * Adds a sample taken at {@code at} into its minute (counters added, gauges replaced: a
     * sampler may run more often than once a minute) and into its hour (counters added, the
     * highest of each gauge).
     */
    public void record(Instant at, MetricsSampler.Sample s) {
        Instant m = at.truncatedTo(ChronoUnit.MINUTES);
        merge(MINUTE, MINUTE_NAME.format(m), m, s, false, m.plus(minuteRetention).toEpochMilli());
        Instant h = m.truncatedTo(ChronoUnit.HOURS);
        merge(HOUR, HOUR_NAME.format(h), h, s, true, h.plus(hourRetention).toEpochMilli());
    }

    private void merge(String kind, String name, Instant start, MetricsSampler.Sample s, boolean highest, long expires) {
        for (int attempt = 0; attempt < 10; attempt++) {
            Optional<StoredRecord> old = records.record(kind, "", name);
            Map<String, Double> c = new TreeMap<>(s.counters());
            Map<String, Double> g = new TreeMap<>(s.gauges());
            if (old.isPresent()) {
                Point p = decode(name, old.get().value(), start);
                p.counters().forEach((k, v) -> c.merge(k, v, Double::sum));
                p.gauges().forEach((k, v) -> g.merge(k, v, highest ? Math::max : (mine, theirs) -> mine));
            }
            if (records.putRecordIf(kind, "", name, old.map(StoredRecord::version).orElse(0L), encode(c, g), expires).isPresent()) return;
        }
    }

    /** The minutes (or hours: {@code hours}) from {@code from} on, oldest first, with the series {@code wanted} keeps. */
    public List<Point> read(boolean hours, Instant from, Predicate<String> wanted) {
        String kind = hours ? HOUR : MINUTE;
        DateTimeFormatter f = hours ? HOUR_NAME : MINUTE_NAME;
        String first = f.format(from);
        List<Point> out = new ArrayList<>();
        for (StoredRecord r : records.records(kind, "")) {
            if (r.name().compareTo(first) < 0) continue;
            Instant start = Instant.parse(r.name() + (hours ? ":00:00Z" : ":00Z"));
            Point p = decode(r.name(), r.value(), start);
            p.counters().keySet().removeIf(wanted.negate());
            p.gauges().keySet().removeIf(wanted.negate());
            out.add(p);
        }
        return out;
    }

    private static byte[] encode(Map<String, Double> counters, Map<String, Double> gauges) {
        ObjectNode o = JSON.createObjectNode();
        put(o.putObject("c"), counters);
        put(o.putObject("g"), gauges);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(ObjectNode o, Map<String, Double> values) {
        values.forEach((k, v) -> {
            if (v == Math.rint(v) && Math.abs(v) < 1e15) o.put(k, v.longValue());
            else o.put(k, Math.round(v * 1000) / 1000.0);
        });
    }

    private static Point decode(String name, byte[] value, Instant start) {
        Map<String, Double> c = new TreeMap<>();
        Map<String, Double> g = new TreeMap<>();
        try {
            JsonNode o = JSON.readTree(value);
            read(o.path("c"), c);
            read(o.path("g"), g);
        } catch (IOException e) {
            // an unreadable record is a gap
        }
        return new Point(start.toString(), c, g);
    }

    private static void read(JsonNode o, Map<String, Double> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            into.put(e.getKey(), e.getValue().asDouble());
        }
    }
}
