package org.twinmail.mail.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.mail.mime.DeliveryReport.Recipient;

/** RFC 3464's delivery status notifications read back, as remote servers send them to our users. */
class DeliveryReportTest {
    /** Postfix's shape (RFC 3464 2.1, 2.2, 2.3): one per-message block, then one block per recipient. */
    static final String STATUS = """
            Reporting-MTA: dns; mx.remote.example\r
            X-Postfix-Queue-ID: 4Xyz\r
            Arrival-Date: Mon,  7 Dec 2026 20:00:00 +0000 (UTC)\r
            \r
            Final-Recipient: rfc822; nobody@remote.example\r
            Original-Recipient: rfc822;nobody@remote.example\r
            Action: Failed\r
            Status: 5.1.1 (unknown user)\r
            Remote-MTA: dns; mx.remote.example\r
            Diagnostic-Code: smtp; 550 5.1.1 <nobody@remote.example>:\r
             Recipient address rejected: User unknown\r
            \r
            \r
            Final-Recipient: rfc822;\r
             slow@remote.example\r
            Action: delayed\r
            Status: 4.4.1\r
            """;

    static String dsn(String statusHeaders, String statusBody) {
        return "From: MAILER-DAEMON@mx.remote.example\r\n"
                + "To: alice@example.org\r\n"
                + "Subject: Undelivered Mail Returned to Sender\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=\"delivery-status\";\r\n boundary=\"RB\"\r\n\r\n"
                + "--RB\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
                + "--RB\r\n" + statusHeaders + "\r\n" + statusBody
                + "--RB\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: alice@example.org\r\nTo: nobody@remote.example\r\n"
                + "Subject: hello\r\n"
                + "--RB--\r\n";
    }

    static Optional<DeliveryReport> parse(String message) {
        return DeliveryReport.parse(message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsThePerRecipientBlocksWithFoldedFieldsAndCaseFolded() {
        DeliveryReport r = parse(dsn("Content-Type: message/delivery-status\r\n", STATUS)).orElseThrow();
        assertThat(r.reportingMta()).isEqualTo("dns; mx.remote.example");
        assertThat(r.recipients()).containsExactly(
                new Recipient("nobody@remote.example", "failed", "5.1.1"),
                new Recipient("slow@remote.example", "delayed", "4.4.1"));
        assertThat(r.anyFailed()).isTrue();
    }

    @Test
    void aDelayOnlyIsNoFailure() {
        String delayed = STATUS.substring(0, STATUS.indexOf("Final-Recipient: rfc822; nobody")) + STATUS.substring(STATUS.indexOf("Final-Recipient: rfc822;\r\n"));
        DeliveryReport r = parse(dsn("Content-Type: message/delivery-status\r\n", delayed)).orElseThrow();
        assertThat(r.recipients()).extracting(Recipient::action).containsExactly("delayed");
        assertThat(r.anyFailed()).isFalse();
    }

    @Test
    void aBase64StatusPartAndTheGlobalFormOfRfc6533AreRead() {
        String encoded = Base64.getMimeEncoder().encodeToString(STATUS.getBytes(StandardCharsets.US_ASCII)) + "\r\n";
        DeliveryReport r = parse(dsn("Content-Type: message/global-delivery-status\r\nContent-Transfer-Encoding: base64\r\n", encoded))
                .orElseThrow();
        assertThat(r.recipients()).extracting(Recipient::finalRecipient).containsExactly("nobody@remote.example", "slow@remote.example");
    }

    @Test
    void whatIsNotADeliveryStatusNotificationIsEmpty() {
        assertThat(parse("From: a@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nAction: failed\r\n")).isEmpty();
        // a read receipt (RFC 8098) is a multipart/report too
        assertThat(parse(dsn("Content-Type: message/delivery-status\r\n", STATUS)
                .replace("report-type=\"delivery-status\"", "report-type=disposition-notification"))).isEmpty();
        // a report without its status part
        assertThat(parse(dsn("Content-Type: text/plain\r\n", STATUS))).isEmpty();
    }

    @Test
    void brokenOrCutReportsNeverThrow() {
        String whole = dsn("Content-Type: message/delivery-status\r\n", STATUS);
        for (int cut = 0; cut <= whole.length(); cut += 7) {
            Optional<DeliveryReport> r = parse(whole.substring(0, cut));
            r.ifPresent(report -> assertThat(report.recipients()).allMatch(x -> !x.finalRecipient().isEmpty() && !x.action().isEmpty()));
        }
        // a block without Action is skipped (RFC 3464 2.3.3: required)
        DeliveryReport r = parse(dsn("Content-Type: message/delivery-status\r\n", STATUS.replace("Action: Failed\r\n", ""))).orElseThrow();
        assertThat(r.recipients()).extracting(Recipient::finalRecipient).containsExactly("slow@remote.example");
    }
}
