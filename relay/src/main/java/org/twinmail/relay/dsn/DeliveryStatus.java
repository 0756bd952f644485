package org.twinmail.relay.dsn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.twinmail.mail.header.Header;

/**
 * Builds delivery status notifications (RFC 3464): a {@code multipart/report;
 * report-type=delivery-status} with a human-readable part, the machine-readable
 * {@code message/delivery-status} part (one per-message block, one per-recipient block for
 * each recipient), and the original message's header section as {@code text/rfc822-headers}
 * (RFC 6522). Only the headers are returned, never the body: a bounce must not become a way
 * to reflect large or harmful content to a forged sender.
 */
public final class DeliveryStatus {
    private DeliveryStatus() {}

    /** The original's header section is cut at this size (a header bomb should not come back whole). */
    static final int MAX_ORIGINAL_HEADERS = 64 * 1024;

    public enum Kind { FAILED, DELAYED }

    /**
     * One recipient's line in the report.
     *
     * @param recipient     the address as it was queued
     * @param status        RFC 3463 code, for example 5.1.1
     * @param remoteMta     the host that gave {@code diagnostic}, or null if none did
     * @param diagnostic    the remote SMTP reply, or null when the failure was ours (no reply)
     * @param reason        a sentence for the human part
     */
    public record Recipient(String recipient, String status, String remoteMta, String diagnostic, String reason) { }

    /**
     * @param reportingMta our host name
     * @param sender       the original envelope sender (the DSN goes to it)
     * @param queueId      the original's queue id, for the human part and X-Twinmail-Queue-ID
     * @param arrival      when the original arrived
     * @param retryUntil   for a delay warning: when we give up
     */
    public record Report(Kind kind, String reportingMta, String sender, long queueId, Instant arrival, Instant retryUntil,
                         List<Recipient> recipients) {
        public Report {
            recipients = List.copyOf(recipients);
            if (recipients.isEmpty()) throw new IllegalArgumentException("a DSN needs at least one recipient");
        }
    }

    /** The DSN as a complete message (CRLF line ends), reading the original's headers from {@code original}. */
    public static byte[] build(Report report, InputStream original, Instant now) throws IOException {
        String boundary = "=_twinmail_" + UUID.randomUUID().toString().replace("-", "");
        String date = rfc5322(now);
        StringBuilder m = new StringBuilder();
        boolean failed = report.kind() == Kind.FAILED;
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(report.reportingMta()).append(">\r\n");
        m.append("To: <").append(report.sender()).append(">\r\n");
        m.append("Subject: ").append(failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)").append("\r\n");
        m.append("Date: ").append(date).append("\r\n");
        m.append("Message-ID: <").append(UUID.randomUUID()).append("@").append(report.reportingMta()).append(">\r\n");
        // RFC 3834: an automatic reply; well-behaved software does not answer it.
        m.append("Auto-Submitted: auto-replied\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n");
        m.append("\r\n");
        m.append("This is a MIME-encapsulated message.\r\n\r\n");

        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Description: Notification\r\n");
        m.append("Content-Type: text/plain; charset=utf-8\r\n");
        m.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        m.append("This is the mail system at host ").append(report.reportingMta()).append(".\r\n\r\n");
        if (failed) {
            m.append("I'm sorry to have to inform you that your message could not\r\n");
            m.append("be delivered to one or more recipients. The message's headers are attached below.\r\n");
        } else {
            m.append("Your message could not be delivered yet to one or more recipients.\r\n");
            m.append("The mail system will keep trying until ").append(rfc5322(report.retryUntil())).append(".\r\n");
            m.append("You do not need to send the message again.\r\n");
        }
        m.append("\r\n");
        for (Recipient r : report.recipients()) {
            m.append("<").append(r.recipient()).append(">: ").append(oneLine(r.reason())).append("\r\n");
        }
        m.append("\r\n");

        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Description: Delivery report\r\n");
        m.append("Content-Type: message/delivery-status\r\n\r\n");
        m.append("Reporting-MTA: dns; ").append(report.reportingMta()).append("\r\n");
        m.append("X-Twinmail-Queue-ID: ").append(report.queueId()).append("\r\n");
        m.append("Arrival-Date: ").append(rfc5322(report.arrival())).append("\r\n");
        for (Recipient r : report.recipients()) {
            m.append("\r\n");
            m.append("Final-Recipient: ").append(addressType(r.recipient())).append("; ").append(r.recipient()).append("\r\n");
            m.append("Action: ").append(failed ? "failed" : "delayed").append("\r\n");
            m.append("Status: ").append(r.status()).append("\r\n");
            if (r.remoteMta() != null) m.append("Remote-MTA: dns; ").append(r.remoteMta()).append("\r\n");
            if (r.diagnostic() != null) m.append("Diagnostic-Code: smtp; ").append(oneLine(r.diagnostic())).append("\r\n");
            m.append("Last-Attempt-Date: ").append(date).append("\r\n");
            if (!failed) m.append("Will-Retry-Until: ").append(rfc5322(report.retryUntil())).append("\r\n");
        }
        m.append("\r\n");

        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Description: ").append(failed ? "Undelivered" : "Delayed").append(" Message Headers\r\n");
        m.append("Content-Type: text/rfc822-headers\r\n");
        m.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(m.toString().getBytes(StandardCharsets.UTF_8));
        out.write(headerSection(original));
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * The header section of a message up to (not including) the empty line, at most
     * MAX_ORIGINAL_HEADERS bytes (cut there, mid-field if need be), ending in CRLF.
     */
    static byte[] headerSection(InputStream in) throws IOException {
        byte[] h = Header.read(in, MAX_ORIGINAL_HEADERS).bytes();
        int end = h.length;
        while (end > 0 && (h[end - 1] == '\r' || h[end - 1] == '\n')) end--;
        ByteArrayOutputStream trimmed = new ByteArrayOutputStream(end + 2);
        trimmed.write(h, 0, end);
        trimmed.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        return trimmed.toByteArray();
    }

    /** RFC 6533: an address with non-ASCII characters is of type utf-8. */
    private static String addressType(String address) {
        return address.chars().allMatch(c -> c < 0x80) ? "rfc822" : "utf-8";
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ").strip();
    }

    private static String rfc5322(Instant t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT).format(ZonedDateTime.ofInstant(t, ZoneId.of("UTC")));
    }
}
