package org.twinmail.bench.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything one run counts, shared by all client threads: per-command latencies,
 * transactions and errors by kind, delivery probes and remote-mail tracking.
 */
public final class RunStats {
    /** QoS for a command: answered within 5 s; DATA and RETR get 5 s + size / 3,000 B/s. */
    public static final long COMMAND_LIMIT_MICROS = 5_000_000;
    public static final double TRANSFER_BYTES_PER_SECOND = 3_000;

    private final Map<String, Latencies> commands = new ConcurrentSkipListMap<>();
    private final Map<String, AtomicLong> counters = new ConcurrentSkipListMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentSkipListMap<>();
    private final Map<String, Long> probesSent = new ConcurrentHashMap<>();
    private final Latencies probeDelays = new Latencies();
    private final Map<String, Boolean> remoteSent = new ConcurrentHashMap<>();
    private final Map<String, Boolean> remoteArrived = new ConcurrentHashMap<>();

    /** A command answered {@code micros} after it was sent; {@code bytes} is what DATA sent or RETR read (else 0). */
    public void command(String name, long micros, long bytes) {
        long limit = COMMAND_LIMIT_MICROS + (long) (bytes / TRANSFER_BYTES_PER_SECOND * 1_000_000);
        commands.computeIfAbsent(name, k -> new Latencies()).record(micros, limit);
    }

    /** A transaction of the workload completed: "smtp.local", "smtp.remote-in", "pop3.check", ... */
    public void count(String what) {
        counters.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    public void count(String what, long n) {
        counters.computeIfAbsent(what, k -> new AtomicLong()).addAndGet(n);
    }

    /** A transaction that failed, by kind (the command and reply, or the exception). */
    public void error(String kind) {
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    public void probeSent(String id, long acceptedNanos) {
        probesSent.put(id, acceptedNanos);
    }

    /** A probe message seen in its mailbox; the delay counts from the server's 250 after DATA. */
    public void probeFound(String id, long foundNanos) {
        Long sent = probesSent.remove(id);
        if (sent != null) probeDelays.record((foundNanos - sent) / 1000, 60_000_000);
    }

    public int probesOutstanding() {
        return probesSent.size();
    }

    public void remoteSent(String id) {
        remoteSent.put(id, Boolean.TRUE);
    }

    public void remoteArrived(String id) {
        remoteArrived.put(id, Boolean.TRUE);
    }

    public long remoteSentCount() {
        return remoteSent.size();
    }

    public long remoteArrivedCount() {
        return remoteSent.keySet().stream().filter(remoteArrived::containsKey).count();
    }

    public Map<String, Latencies.Summary> commandSummaries() {
        Map<String, Latencies.Summary> m = new TreeMap<>();
        commands.forEach((k, v) -> m.put(k, v.summary()));
        return m;
    }

    public Latencies.Summary probeSummary() {
        return probeDelays.summary();
    }

    public long counter(String what) {
        AtomicLong c = counters.get(what);
        return c == null ? 0 : c.get();
    }

    public Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>();
        counters.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public Map<String, Long> errors() {
        Map<String, Long> m = new TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
