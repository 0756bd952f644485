package org.twinmail.smtp.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SMTP service's counters: {@code twinmail.smtp.messages} (outcome=accepted|rejected,
 * reason=none, a {@link RejectReason} or a filter verdict's reason; a refused RCPT counts as one rejection, as it is one
 * recipient's copy of a message refused), {@code twinmail.smtp.bytes} (message bytes stored)
 * {@code twinmail.smtp.deliveries} (accounts that received a message) and
 * {@code twinmail.smtp.auth} (AUTH results).
 */
public final class SmtpMetrics {
    private final Counter accepted;
    private final MeterRegistry registry;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Counter bytes;
    private final Counter deliveries;
    private final Map<String, Counter> auth = new java.util.HashMap<>();

    public SmtpMetrics(MeterRegistry registry) {
        this.registry = registry;
        accepted = Counter.builder("twinmail.smtp.messages").tag("outcome", "accepted").tag("reason", "none")
                .description("messages accepted, and recipients or messages refused, by reason").register(registry);
        for (RejectReason r : RejectReason.values()) rejected(r.tag(), 0);
        bytes = Counter.builder("twinmail.smtp.bytes").baseUnit("bytes")
                .description("bytes of accepted messages, as stored").register(registry);
        deliveries = Counter.builder("twinmail.smtp.deliveries")
                .description("recipient accounts that received a message").register(registry);
        for (String result : java.util.List.of("ok", "failed", "error")) {
            auth.put(result, Counter.builder("twinmail.smtp.auth").tag("result", result)
                    .description("SMTP AUTH attempts by result (failed: wrong credentials; error: backend unavailable)").register(registry));
        }
    }

    /** One AUTH attempt that reached the password check: ok, failed or error. */
    void auth(String result) {
        auth.get(result).increment();
    }

    void accepted(long messageBytes, int accounts) {
        accepted.increment();
        bytes.increment(messageBytes);
        deliveries.increment(accounts);
    }

    void rejected(RejectReason reason) {
        rejected(reason.tag(), 1);
    }

    /** A refusal by a filter verdict's reason (the reasons of {@link RejectReason} and any check's own). */
    void rejected(String reason) {
        rejected(reason, 1);
    }

    private void rejected(String reason, int n) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("twinmail.smtp.messages").tag("outcome", "rejected").tag("reason", r)
                .description("messages accepted, and recipients or messages refused, by reason").register(registry)).increment(n);
    }
}
