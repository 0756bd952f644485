package org.twinmail.core.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ByteSizeAndDurationTest {
    @Test
    void parsesSizes() {
        assertThat(ByteSize.parse("512")).isEqualTo(512);
        assertThat(ByteSize.parse("25M")).isEqualTo(25L << 20);
        assertThat(ByteSize.parse("2G")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("2GB")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("1.5k")).isEqualTo(1536);
        assertThat(ByteSize.parse("0")).isZero();
        assertThatThrownBy(() -> ByteSize.parse("lots")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> ByteSize.parse("-1M")).hasMessageContaining("not a size");
    }

    @Test
    void formatsSizes() {
        assertThat(ByteSize.format(0, true)).isEqualTo("unlimited");
        assertThat(ByteSize.format(2L << 30, true)).isEqualTo("2G");
        assertThat(ByteSize.format(5000, false)).isEqualTo("4.9K");
        assertThat(ByteSize.format(100, false)).isEqualTo("100");
    }

    @Test
    void parsesDurations() {
        assertThat(DurationText.parse("300s")).isEqualTo(Duration.ofSeconds(300));
        assertThat(DurationText.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationText.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationText.parse("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThat(DurationText.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThatThrownBy(() -> DurationText.parse("soon")).hasMessageContaining("not a duration");
    }
}
