package org.twinmail.relay.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final RetrySchedule schedule = new RetrySchedule(List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofHours(1)),
            Duration.ofDays(5), Duration.ofHours(4));

    @Test
    void eachFailureWaitsItsIntervalAndTheLastRepeats() {
        assertThat(schedule.delayAfter(1)).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.delayAfter(2)).isEqualTo(Duration.ofMinutes(10));
        assertThat(schedule.delayAfter(3)).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.delayAfter(40)).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.nextAttempt(T0, T0.plusSeconds(60), 2)).isEqualTo(T0.plusSeconds(60 + 600));
    }

    @Test
    void theLastRetryIsPulledInToTheExpiryAndThenItBounces() {
        Instant late = T0.plus(Duration.ofDays(5)).minusSeconds(60);
        assertThat(schedule.nextAttempt(T0, late, 9)).isEqualTo(T0.plus(Duration.ofDays(5)));
        assertThat(schedule.expired(T0, late)).isFalse();
        assertThat(schedule.expired(T0, T0.plus(Duration.ofDays(5)))).isTrue();
    }

    @Test
    void oneDelayWarningAfterTheWarningTime() {
        assertThat(schedule.warnNow(T0, T0.plus(Duration.ofHours(3)), false)).isFalse();
        assertThat(schedule.warnNow(T0, T0.plus(Duration.ofHours(4)), false)).isTrue();
        assertThat(schedule.warnNow(T0, T0.plus(Duration.ofHours(5)), true)).isFalse();
        RetrySchedule none = new RetrySchedule(List.of(Duration.ofMinutes(5)), Duration.ofDays(5), Duration.ZERO);
        assertThat(none.warnNow(T0, T0.plus(Duration.ofDays(1)), false)).isFalse();
    }

    @Test
    void impossibleSchedulesAreRefused() {
        assertThatThrownBy(() -> new RetrySchedule(List.of(), Duration.ofDays(5), Duration.ZERO))
                .hasMessageContaining("relay.retrySchedule");
        assertThatThrownBy(() -> new RetrySchedule(List.of(Duration.ZERO), Duration.ofDays(5), Duration.ZERO))
                .hasMessageContaining("positive");
    }

    @Test
    void headersCountReceivedFindTheFromDomainAndStopAtTheBody() throws IOException {
        String msg = "Received: from a\r\n\tby b\r\nreceived: from c\r\nFrom: \"Ann, B.\" <ann@BÜCHER.example>\r\n"
                + "Subject: plain\r\n\r\nReceived: not a header\r\nFrom: x@y.z\r\n";
        MessageHeaders h = MessageHeaders.read(new ByteArrayInputStream(msg.getBytes(StandardCharsets.UTF_8)));
        assertThat(h.received()).isEqualTo(2);
        assertThat(h.fromDomain()).contains("xn--bcher-kva.example");
        assertThat(h.nonAscii()).isTrue();
        assertThat(MessageHeaders.domainOf(" bob@example.org")).contains("example.org");
        assertThat(MessageHeaders.domainOf(" undisclosed")).isEmpty();
        assertThat(h.returnPathLength()).isZero();
        byte[] withPath = "Return-Path: <a@b.example>\r\nReceived: x\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII);
        assertThat(MessageHeaders.read(new ByteArrayInputStream(withPath)).returnPathLength()).isEqualTo("Return-Path: <a@b.example>\r\n".length());
    }
}
