package org.twinmail.smtp.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The SMTP service's counters: {@code twinmail.smtp.messages} (outcome=accepted|rejected,
 * reason=none or a {@link RejectReason}; a refused RCPT counts as one rejection, as it is one
 * recipient's copy of a message refused), {@code twinmail.smtp.bytes} (message bytes stored)
 * {@code twinmail.smtp.deliveries} (accounts that received a message) and
 * {@code twinmail.smtp.auth} (AUTH results).
 */
public final class SmtpMetrics {
    private final Counter accepted;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Counter bytes;
    private final Counter deliveries;
    private final Map<String, Counter> auth = new java.util.HashMap<>();

    public SmtpMetrics(MeterRegistry registry) {
        accepted = Counter.builder("twinmail.smtp.messages").tag("outcome", "accepted").tag("reason", "none")
                .description("messages accepted, and recipients or messages refused, by reason").register(registry);
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, Counter.builder("twinmail.smtp.messages").tag("outcome", "rejected").tag("reason", r.tag())
                    .description("messages accepted, and recipients or messages refused, by reason").register(registry));
        }
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
        rejected.get(reason).increment();
    }
}
