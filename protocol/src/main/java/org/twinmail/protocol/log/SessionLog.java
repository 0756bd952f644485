package org.twinmail.protocol.log;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.Printable;

/**
 * The one log line each session writes when it ends (logger {@code twinmail.session}):
 * {@code smtp client=192.0.2.1:4711 user=alice@example.com outcome=ok msgs=3 in=15342 out=812 ms=240}.
 * Client-supplied values pass through {@link Printable}; passwords and bodies never reach it.
 */
public final class SessionLog {
    private static final Logger log = LoggerFactory.getLogger("twinmail.session");

    static final int MAX_COMPOSED = 2000;

    private final String protocol;
    private final String client;
    private final long startNanos = System.nanoTime();
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private String user = "-";
    private String outcome = "ok";

    public SessionLog(String protocol, InetSocketAddress client) {
        this.protocol = protocol;
        this.client = client == null ? "-" : client.getAddress().getHostAddress() + ":" + client.getPort();
    }

    public void user(String user) {
        this.user = Printable.of(user);
    }

    /** Why the session ended: ok, quit, timeout, eof, too-many-errors, error ... */
    public void outcome(String outcome) {
        this.outcome = outcome;
    }

    public String outcome() {
        return outcome;
    }

    public void count(String key, long delta) {
        fields.merge(key, delta, (a, b) -> (Long) a + (Long) b);
    }

    public void field(String key, String value) {
        fields.put(key, Printable.of(value));
    }

    /**
     * A field made of several client strings that the caller has each passed through
     * {@link Printable} (so the whole may be longer than one printable string): cut at
     * {@value #MAX_COMPOSED} characters, spaces made '_' so the line stays key=value.
     */
    public void composedField(String key, String printableParts) {
        String v = printableParts.replace(' ', '_');
        fields.put(key, v.length() > MAX_COMPOSED ? v.substring(0, MAX_COMPOSED) + "..." : v);
    }

    public String line(long bytesIn, long bytesOut) {
        StringBuilder b = new StringBuilder(160);
        b.append(protocol).append(" client=").append(client).append(" user=").append(user)
                .append(" outcome=").append(outcome);
        fields.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        b.append(" in=").append(bytesIn).append(" out=").append(bytesOut)
                .append(" ms=").append((System.nanoTime() - startNanos) / 1_000_000);
        return b.toString();
    }

    public void finish(long bytesIn, long bytesOut) {
        log.info(line(bytesIn, bytesOut));
    }
}
