package org.twinmail.smtp.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceHeadersTest {
    static final ZonedDateTime DATE = ZonedDateTime.of(2026, 3, 7, 9, 5, 2, 0, ZoneOffset.ofHours(1));

    @Test
    void withKeywordFollowsRfc3848AndRfc6531() {
        assertThat(TraceHeaders.protocol(false, false, false, false)).isEqualTo("SMTP");
        assertThat(TraceHeaders.protocol(true, false, false, false)).isEqualTo("ESMTP");
        assertThat(TraceHeaders.protocol(true, false, true, false)).isEqualTo("ESMTPS");
        assertThat(TraceHeaders.protocol(true, false, false, true)).isEqualTo("ESMTPA");
        assertThat(TraceHeaders.protocol(true, false, true, true)).isEqualTo("ESMTPSA");
        assertThat(TraceHeaders.protocol(true, true, false, false)).isEqualTo("UTF8SMTP");
        assertThat(TraceHeaders.protocol(true, true, true, true)).isEqualTo("UTF8SMTPSA");
    }

    @Test
    void headersWithOneRecipientAndVerifiedName() throws Exception {
        String h = new String(TraceHeaders.build("alice@example.org", "client.example", "mail.example.org",
                InetAddress.getByName("192.0.2.10"), "mx.example.com", "ESMTP", "0ABC", "bob@example.com", DATE),
                StandardCharsets.UTF_8);
        assertThat(h).isEqualTo("Return-Path: <alice@example.org>\r\n"
                + "Received: from client.example (mail.example.org [192.0.2.10])\r\n"
                + "\tby mx.example.com (TwinMail) with ESMTP id 0ABC\r\n"
                + "\tfor <bob@example.com>;\r\n"
                + "\tSat, 7 Mar 2026 09:05:02 +0100\r\n");
    }

    @Test
    void nullSenderSeveralRecipientsNoNameIpv6() throws Exception {
        String h = new String(TraceHeaders.build("", "[IPv6:2001:db8::5]", null, InetAddress.getByName("2001:db8::5"),
                "mx.example.com", "SMTP", "0ABC", null, DATE), StandardCharsets.UTF_8);
        assertThat(h).startsWith("Return-Path: <>\r\n")
                .contains("Received: from [IPv6:2001:db8::5] ([IPv6:2001:db8::5])\r\n")
                .contains("with SMTP id 0ABC;\r\n")
                .doesNotContain("for <");
    }

    @Test
    void ipv6LiteralsAreCanonical() throws Exception {
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("2001:0db8:0000:0000:0000:0000:0000:0001"))).isEqualTo("[IPv6:2001:db8::1]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("::1"))).isEqualTo("[IPv6:::1]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("::"))).isEqualTo("[IPv6:::]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("fe80::"))).isEqualTo("[IPv6:fe80::]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("2001:db8:0:1:0:0:0:1"))).isEqualTo("[IPv6:2001:db8:0:1::1]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("[IPv6:2001:db8::1:0:0:1]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("2001:db8:1:2:3:4:5:6"))).isEqualTo("[IPv6:2001:db8:1:2:3:4:5:6]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("2001:db8:0:2:3:4:5:6"))).isEqualTo("[IPv6:2001:db8:0:2:3:4:5:6]");
        assertThat(TraceHeaders.addressLiteral(InetAddress.getByName("127.0.0.1"))).isEqualTo("[127.0.0.1]");
    }

    @Test
    void queueIdsAreUniqueAndSortByTime() throws Exception {
        Set<String> ids = new HashSet<>();
        String previous = "";
        for (int i = 0; i < 1000; i++) {
            String id = QueueId.next();
            assertThat(id).hasSize(14).matches("[0-9A-Z]+");
            assertThat(id.substring(0, 9)).isGreaterThanOrEqualTo(previous.isEmpty() ? "" : previous.substring(0, 9));
            previous = id;
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }
}
