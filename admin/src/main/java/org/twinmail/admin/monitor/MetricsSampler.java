package org.twinmail.admin.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads the node's Micrometer meters once a minute into the few dozen series the console
 * charts and the history keeps (docs/console.md, "Traffic and runtime history"): counters as
 * their increase since the previous sample, gauges as they are, the store's commit timer as
 * commits and mean milliseconds, and the data volume's disk use. The series and the meters
 * they come from are the table in {@link #series}.
 */
public final class MetricsSampler {
    private final MeterRegistry registry;
    private final Path dataVolume;
    /** Counter totals at the previous sample; empty before the first (whose counters are not reported). */
    private Map<String, Double> previous;

    /** One minute's values: {@code counters} are increases, {@code gauges} levels. */
    public record Sample(Map<String, Double> counters, Map<String, Double> gauges) { }

    public MetricsSampler(MeterRegistry registry, Path dataVolume) {
        this.registry = registry;
        this.dataVolume = dataVolume;
    }

    /** The values now; counters of the first call are not reported (there is nothing to subtract). */
    public synchronized Sample sample() {
        Map<String, Double> totals = new HashMap<>();
        Map<String, Double> gauges = new TreeMap<>();
        for (Meter m : registry.getMeters()) {
            Meter.Id id = m.getId();
            String name = series(id);
            if (name == null) continue;
            switch (m) {
                case Counter c -> totals.merge(name, c.count(), Double::sum);
                case FunctionCounter c -> totals.merge(name, c.count(), Double::sum);
                case Gauge g -> {
                    double v = g.value();
                    if (!Double.isNaN(v)) gauges.merge(name, name.startsWith("cpu.") ? v * 100 : v, Double::sum);
                }
                case Timer t -> {
                    totals.merge(name + ".count", (double) t.count(), Double::sum);
                    totals.merge(name + ".ms", t.totalTime(TimeUnit.MILLISECONDS), Double::sum);
                }
                case FunctionTimer t -> {
                    totals.merge(name + ".count", t.count(), Double::sum);
                    totals.merge(name + ".ms", t.totalTime(TimeUnit.MILLISECONDS), Double::sum);
                }
                default -> { }
            }
        }
        disk(gauges);
        Map<String, Double> counters = new TreeMap<>();
        if (previous != null) {
            for (Map.Entry<String, Double> e : totals.entrySet()) {
                double before = previous.getOrDefault(e.getKey(), 0.0);
                // a counter that went down was registered anew (a takeover builds the services again): all of it is new
                double d = e.getValue() >= before ? e.getValue() - before : e.getValue();
                if (d != 0) counters.put(e.getKey(), d);
            }
        }
        previous = totals;
        return new Sample(counters, gauges);
    }

    private void disk(Map<String, Double> gauges) {
        if (dataVolume == null) return;
        try {
            Path p = dataVolume;
            while (p != null && !Files.exists(p)) p = p.getParent();
            if (p == null) return;
            FileStore fs = Files.getFileStore(p);
            gauges.put("disk.total", (double) fs.getTotalSpace());
            gauges.put("disk.used", (double) (fs.getTotalSpace() - fs.getUsableSpace()));
        } catch (IOException e) {
            // an unreadable volume shows as a gap in the chart
        }
    }

    /**
     * The series a meter feeds, or null. Counters: {@code received} (messages SMTP accepted, every
     * port), {@code rejected.<reason>}, {@code delivered} (messages stored for local accounts),
     * {@code relay.delivered|deferred|bounced} (remote recipients), {@code conn.<service>},
     * {@code login.<protocol>.<result>}, {@code auth.failures}, {@code http.requests},
     * {@code bytes.in} (SMTP data, IMAP APPEND), {@code bytes.out} (IMAP FETCH, POP3), and the
     * timers {@code store.commit} and {@code jvm.gc} (as {@code .count} and {@code .ms}). Gauges:
     * {@code queue.messages}, {@code queue.recipients}, {@code queue.oldest} (seconds),
     * {@code active.<service>}, {@code jvm.heap}, {@code jvm.heap.max}, {@code jvm.threads},
     * {@code cpu.process} and {@code cpu.system} (percent), {@code fds}, {@code disk.used},
     * {@code disk.total}.
     */
    static String series(Meter.Id id) {
        String n = id.getName();
        return switch (n) {
            case "twinmail.smtp.messages" -> "accepted".equals(id.getTag("outcome")) ? "received" : "rejected." + id.getTag("reason");
            case "twinmail.store.deliveries" -> "delivered".equals(id.getTag("outcome")) ? "delivered" : null;
            case "twinmail.relay.deliveries" -> "relay." + id.getTag("outcome");
            case "twinmail.connections" -> "conn." + id.getTag("service");
            case "twinmail.connections.active" -> "active." + id.getTag("service");
            case "twinmail.smtp.auth" -> "login.smtp." + id.getTag("result");
            case "twinmail.imap.logins" -> "login.imap." + id.getTag("result");
            case "twinmail.pop3.logins" -> "login.pop3." + id.getTag("result");
            case "twinmail.auth.failures" -> "auth.failures";
            case "twinmail.http.requests" -> "http.requests";
            case "twinmail.smtp.bytes", "twinmail.pop3.bytes" -> n.equals("twinmail.smtp.bytes") ? "bytes.in" : "bytes.out";
            case "twinmail.imap.bytes" -> "appended".equals(id.getTag("direction")) ? "bytes.in" : "bytes.out";
            case "twinmail.relay.queue.messages" -> "queue.messages";
            case "twinmail.relay.queue.recipients" -> "queue.recipients";
            case "twinmail.relay.queue.oldest.seconds" -> "queue.oldest";
            case "twinmail.store.commit" -> "store.commit";
            case "jvm.memory.used" -> "heap".equals(id.getTag("area")) ? "jvm.heap" : null;
            case "jvm.memory.max" -> "heap".equals(id.getTag("area")) ? "jvm.heap.max" : null;
            case "jvm.gc.pause" -> "jvm.gc";
            case "jvm.threads.live" -> "jvm.threads";
            case "process.cpu.usage" -> "cpu.process";
            case "system.cpu.usage" -> "cpu.system";
            case "process.files.open" -> "fds";
            default -> null;
        };
    }
}
