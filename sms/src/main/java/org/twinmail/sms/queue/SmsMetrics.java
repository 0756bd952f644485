package org.twinmail.sms.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The SMS feature's meters ({@code twinmail_sms_*} in Prometheus). */
public final class SmsMetrics {
    private final MeterRegistry registry;
    final Counter queued;
    final Counter sent;
    final Counter delivered;
    final Counter repliesIn;
    final Counter repliesSent;
    /** From the delivery (the message's internal date) to the first part's submit. */
    final Timer latency;

    public SmsMetrics(MeterRegistry registry) {
        this.registry = registry;
        queued = Counter.builder("twinmail.sms.queued").description("SMS queued (notices, codes, answers)").register(registry);
        sent = Counter.builder("twinmail.sms.sent").description("SMS whose every part the SMSC took").register(registry);
        delivered = Counter.builder("twinmail.sms.delivered").description("SMS whose every part a receipt reported delivered").register(registry);
        repliesIn = Counter.builder("twinmail.sms.replies.in").description("mobile-originated messages received").register(registry);
        repliesSent = Counter.builder("twinmail.sms.replies.sent").description("replies by SMS sent on as email").register(registry);
        latency = Timer.builder("twinmail.sms.notice.latency").description("from delivery to the notice's submit").register(registry);
    }

    void failed(String reason) {
        Counter.builder("twinmail.sms.failed").description("SMS given up").tag("reason", reason).register(registry).increment();
    }

    /** A reply by SMS sent on as mail. */
    public void replySent() {
        repliesSent.increment();
    }

    /** A reply by SMS not sent on, by why (unknown_number, no_reference, stale_reference, rate_limit, refused). */
    public void replyRefused(String reason) {
        Counter.builder("twinmail.sms.replies.refused").description("replies by SMS not sent on, answered by SMS").tag("reason", reason)
                .register(registry).increment();
    }

    /** A reply by SMS received again (a redelivery) and dropped. */
    void replyDuplicate() {
        Counter.builder("twinmail.sms.replies.duplicate").description("replies by SMS received again within the window and dropped")
                .register(registry).increment();
    }

    /** A reply by SMS found being handled when the worker started: maybe sent on, never handled twice. */
    void replyInDoubt() {
        Counter.builder("twinmail.sms.replies.in_doubt").description("replies by SMS whose handling a stopped node left in doubt, not handled again")
                .register(registry).increment();
    }

    /** An SMS a gateway refused for now, handed to the next gateway at once. */
    void failover() {
        Counter.builder("twinmail.sms.failover").description("SMS handed to the next gateway after a refusal for now").register(registry).increment();
    }

    void skipped(String reason) {
        Counter.builder("twinmail.sms.skipped").description("delivered messages that made no notice").tag("reason", reason).register(registry).increment();
    }
}
