package org.twinmail.filter.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SendingLimitsTest {

    @Test
    void theWindowSlidesByTheConfiguredLength() {
        AtomicLong now = new AtomicLong(1_000);
        SendingLimits limits = new SendingLimits(2, Duration.ofMinutes(15), now::get);
        limits.sent(1);
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        limits.sent(1);
        assertThat(limits.mayStart(1)).isFalse();
        assertThat(limits.mayStart(2)).as("another account").isTrue();
        now.addAndGet(Duration.ofMinutes(10).toNanos()); // the first send is exactly 15 minutes old: out of the window
        assertThat(limits.mayStart(1)).isTrue();
        limits.sent(1);
        assertThat(limits.mayStart(1)).isFalse();
    }

    @Test
    void impossibleSettingsAreRefused() {
        assertThatThrownBy(() -> new SendingLimits(0, Duration.ofHours(1))).hasMessageContaining("maxMessagesPerHour");
        assertThatThrownBy(() -> new SendingLimits(1, Duration.ZERO)).hasMessageContaining("sendingLimitWindow");
    }
}
