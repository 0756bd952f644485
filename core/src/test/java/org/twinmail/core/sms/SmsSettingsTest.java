package org.twinmail.core.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmsSettingsTest {
    static SmsSettings quiet(String from, String to) {
        return new SmsSettings("+8613800138000", "+8613800138000", true, SmsSettings.Trigger.ALL, List.of(), "",
                LocalTime.parse(from), LocalTime.parse(to), "Asia/Shanghai", 5, "zh");
    }

    @Test
    void quietHoursAreInTheUsersZoneAndMaySpanMidnight() {
        SmsSettings night = quiet("22:00", "07:00");
        // 15:30 UTC is 23:30 in Shanghai
        assertThat(night.quiet(ZonedDateTime.parse("2026-12-07T15:30:00Z"))).isTrue();
        assertThat(night.quiet(ZonedDateTime.parse("2026-12-07T22:59:00Z"))).isTrue(); // 06:59
        assertThat(night.quiet(ZonedDateTime.parse("2026-12-07T23:00:00Z"))).isFalse(); // 07:00
        assertThat(night.quiet(ZonedDateTime.parse("2026-12-07T04:00:00Z"))).isFalse(); // 12:00
        SmsSettings lunch = quiet("12:00", "13:00");
        assertThat(lunch.quiet(ZonedDateTime.parse("2026-12-07T04:30:00Z"))).isTrue();
        assertThat(lunch.quiet(ZonedDateTime.parse("2026-12-07T05:00:00Z"))).isFalse();
        assertThat(SmsSettings.none().quiet(ZonedDateTime.parse("2026-12-07T04:30:00Z"))).isFalse();
    }

    @Test
    void theValueRoundTripsAndOnlyAVerifiedNumberIsActive() {
        SmsSettings s = quiet("22:00", "07:00");
        assertThat(SmsSettings.decode(s.encode())).isEqualTo(s);
        assertThat(s.active()).isTrue();
        SmsSettings changed = new SmsSettings("+33612345678", s.verifiedPhone(), true, s.trigger(), s.senders(), "", null, null, "UTC", 5, "en");
        assertThat(changed.verified()).isFalse();
        assertThat(changed.active()).isFalse();
        assertThat(SmsSettings.decode(SmsSettings.none().encode())).isEqualTo(SmsSettings.none());
    }

    @Test
    void phonesMustBeE164() {
        assertThat(SmsSettings.checkPhone(" +86 138-0013-8000 ")).isEqualTo("+8613800138000");
        assertThat(SmsSettings.checkPhone("")).isEmpty();
        assertThatThrownBy(() -> SmsSettings.checkPhone("+0123456789")).hasMessageContaining("E.164");
        assertThatThrownBy(() -> SmsSettings.checkPhone("+1234567890123456")).hasMessageContaining("E.164");
        assertThatThrownBy(() -> SmsSettings.checkPhone("13800138000")).hasMessageContaining("E.164");
    }

    @Test
    void aCodeMatchesOnlyForItsAccountAndPhone() {
        var v = new SmsRecords.Verification("+33612345678", SmsRecords.codeHash(7, "+33612345678", "123456"), 0);
        assertThat(v.matches(7, "123456")).isTrue();
        assertThat(v.matches(8, "123456")).isFalse();
        assertThat(v.matches(7, "123457")).isFalse();
        assertThat(SmsRecords.Verification.decode(v.encode())).isEqualTo(v);
    }
}
