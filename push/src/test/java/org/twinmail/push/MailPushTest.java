package org.twinmail.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.mail.header.Header;
import org.twinmail.push.delivery.PushSenderAccess;

/** What a notification shows, read from the header once, and the sender's reading of Retry-After. */
class MailPushTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode payload(String header) throws Exception {
        return JSON.readTree(MailPush.payload(7, 3, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                Header.parse((header + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void theSenderIsTheDisplayNameElseTheAddressAndTheIdsAreJmaps() throws Exception {
        JsonNode p = payload("From: =?GB2312?B?zfW3vA==?= <wang@remote.example>\r\nSubject: =?UTF-8?B?5ZGo5LqU6IGa6aSQ?=");
        assertThat(p.path("from").asText()).isEqualTo("王芳");
        assertThat(p.path("subject").asText()).isEqualTo("周五聚餐");
        assertThat(p.path("emailId").asText()).isEqualTo("e0123456789abcdef01234567");
        assertThat(p.path("accountId").asText()).isEqualTo("a7");
        assertThat(p.path("mailboxId").asText()).isEqualTo("m3");
        assertThat(payload("From: bob@example.org").path("from").asText()).isEqualTo("bob@example.org");
        assertThat(payload("To: x@example.org").path("from").asText()).isEmpty();
        assertThat(payload("To: x@example.org").path("subject").asText()).isEmpty();
    }

    @Test
    void longTextsAreCutOnWholeCharactersAndControlsBlanked() throws Exception {
        String subject = "😀".repeat(300);
        JsonNode p = payload("From: a@b.example\r\nSubject: " + subject);
        String s = p.path("subject").asText();
        assertThat(s.codePointCount(0, s.length())).isEqualTo(MailPush.MAX_SUBJECT);
        assertThat(s).endsWith("…").doesNotContain("\uFFFD");
        assertThat(MailPush.cut("a\u0007b", 10)).isEqualTo("a b");
        assertThat(MailPush.payload(1, 1, "ab".repeat(32), Header.parse(("Subject: " + "x".repeat(5000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII))))
                .hasSizeLessThan(1000);
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        assertThat(PushSenderAccess.retryAfter("120", now)).contains(Duration.ofSeconds(120));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(30).atZone(ZoneOffset.UTC));
        assertThat(PushSenderAccess.retryAfter(date, now)).contains(Duration.ofSeconds(30));
        assertThat(PushSenderAccess.retryAfter("soon", now)).isEqualTo(Optional.empty());
        assertThat(PushSenderAccess.retryAfter("-5", now)).isEqualTo(Optional.empty());
    }
}
