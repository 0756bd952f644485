package org.twinmail.push.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code twinmail.push.messages{outcome}}: delivered, gone (subscription dropped), retried, failed, given_up. */
public final class PushMetrics {
    private final MeterRegistry registry;

    public PushMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String outcome) {
        Counter.builder("twinmail.push.messages").description("Web Push requests by outcome").tag("outcome", outcome)
                .register(registry).increment();
    }
}
