package org.twinmail.mail.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class MailDatesTest {
    private static String iso(String text) {
        return MailDates.parse(text).map(OffsetDateTime::toString).orElse("none");
    }

    @Test
    void rfc5322Dates() {
        // Appendix A.1.1 and A.3
        assertThat(iso("Fri, 21 Nov 1997 09:55:06 -0600")).isEqualTo("1997-11-21T09:55:06-06:00");
        assertThat(iso("Thu, 13 Feb 1969 23:32:54 -0330")).isEqualTo("1969-02-13T23:32:54-03:30");
        assertThat(iso("1 Jan 2026 00:00 +0100")).isEqualTo("2026-01-01T00:00+01:00");
    }

    @Test
    void obsoleteForms() {
        // A.6.2: two-digit year, alphabetic zone
        assertThat(iso("21 Nov 97 09:55:06 GMT")).isEqualTo("1997-11-21T09:55:06Z");
        // A.6.3: comments and whitespace inside the time
        assertThat(iso("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600")).isEqualTo("1997-11-21T09:55:06-06:00");
        assertThat(iso("Mon, 2 Jan 06 15:04:05 EST")).isEqualTo("2006-01-02T15:04:05-05:00");
        assertThat(iso("Mon, 2 Jan 106 15:04:05 PDT")).isEqualTo("2006-01-02T15:04:05-07:00"); // three-digit year: + 1900
        assertThat(iso("2 Jan 2006 15:04:05 Z")).isEqualTo("2006-01-02T15:04:05Z"); // military zone
    }

    @Test
    void malformedButCommon() {
        assertThat(iso("Mon Jan  2 15:04:05 2006")).isEqualTo("2006-01-02T15:04:05Z"); // asctime
        assertThat(iso("Mon, 02 Jan 2006 15:04:05 +0000 (UTC)")).isEqualTo("2006-01-02T15:04:05Z");
        assertThat(iso("Mon, 02 Jan 2006 15:04:05 +01:00")).isEqualTo("2006-01-02T15:04:05+01:00");
        assertThat(iso("Monday, January 2, 2006 3:04:05 PM")).isEqualTo("2006-01-02T15:04:05Z");
        assertThat(iso("2006-01-02T15:04:05+09:00")).isEqualTo("2006-01-02T15:04:05+09:00");
        assertThat(iso("Mon, 2 Jan 2006 15.04.05 +0000")).isEqualTo("2006-01-02T15:04:05Z");
        assertThat(iso("2 jan 2006 15:04")).isEqualTo("2006-01-02T15:04Z"); // no zone: UTC
        assertThat(iso("Tue, 30 Jun 2015 23:59:60 +0000")).isEqualTo("2015-06-30T23:59:59Z"); // leap second
    }

    @Test
    void garbageIsEmptyNotAnException() {
        for (String s : new String[] {"", "   ", "yesterday", "32 Jan 2006 10:00:00 +0000", "Mon, 2 Foo 2006 10:00 +0000",
                "30 Feb 2006 10:00:00 +0000", "2 Jan 2006 25:00:00 +0000", "2 Jan 2006 10:00:00 +9999", "((((", "99999999 Jan 1",
                "1:2:3:4 Jan 2 2006", "=?utf-8?q?x?="}) {
            assertThat(MailDates.parse(s)).as(s).isEmpty();
        }
        assertThat(MailDates.parse(null)).isEmpty();
    }

    @Test
    void formatIsRfc5322() {
        assertThat(MailDates.format(OffsetDateTime.parse("2006-01-02T15:04:05-07:00"))).isEqualTo("Mon, 2 Jan 2006 15:04:05 -0700");
    }
}
