package org.twinmail.imap.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/** The IMAP service's counters, registered once per server. */
public final class ImapMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> commands = new ConcurrentHashMap<>();
    private final Counter sessions;
    private final Counter loginsOk;
    private final Counter loginsFailed;
    private final Counter fetchedBytes;
    private final Counter appendedBytes;

    public ImapMetrics(MeterRegistry registry) {
        this.registry = registry;
        sessions = Counter.builder("twinmail.imap.sessions").description("IMAP connections accepted").register(registry);
        loginsOk = Counter.builder("twinmail.imap.logins").tag("result", "ok").description("IMAP login attempts").register(registry);
        loginsFailed = Counter.builder("twinmail.imap.logins").tag("result", "failed").description("IMAP login attempts").register(registry);
        fetchedBytes = Counter.builder("twinmail.imap.bytes").tag("direction", "fetched").baseUnit("bytes")
                .description("message octets sent by FETCH and received by APPEND").register(registry);
        appendedBytes = Counter.builder("twinmail.imap.bytes").tag("direction", "appended").baseUnit("bytes")
                .description("message octets sent by FETCH and received by APPEND").register(registry);
    }

    /** Counts a command by name; unknown names are counted as "unknown" so a client cannot create meters at will. */
    public void command(String name, boolean known) {
        String tag = known ? name : "unknown";
        commands.computeIfAbsent(tag, n -> Counter.builder("twinmail.imap.commands").tag("command", n)
                .description("IMAP commands received").register(registry)).increment();
    }

    public void session() {
        sessions.increment();
    }

    public void login(boolean ok) {
        (ok ? loginsOk : loginsFailed).increment();
    }

    public void fetched(long bytes) {
        fetchedBytes.increment(bytes);
    }

    public void appended(long bytes) {
        appendedBytes.increment(bytes);
    }
}
