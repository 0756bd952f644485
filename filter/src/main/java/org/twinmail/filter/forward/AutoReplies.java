package org.twinmail.filter.forward;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.MailDates;
import org.twinmail.sieve.run.AutoReplyRules;
import org.twinmail.sieve.run.SieveMessage;
import org.twinmail.store.Delivery;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Outbound;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The one way the server sends an automatic reply on an account's behalf: a Sieve
 * {@code vacation} (RFC 5230, RFC 6131) and JMAP's VacationResponse (RFC 8621 8) both come here,
 * and the rejection MDN of a Sieve {@code reject} after the message was accepted ({@link #reject}).
 *
 * <ul>
 *   <li>RFC 3834's rules ({@link AutoReplyRules}): never to the null sender, lists, bulk,
 *       automatic mail, ourselves, or mail not addressed to the account.</li>
 *   <li>At most once per {@code period} per sender and handle: who was answered is kept in
 *       {@code Records} (kind {@value #SENT}, the account's scope, name the SHA-256 of handle and
 *       sender), expiring after the period. A period below {@code vacation.minPeriod} is raised to it.</li>
 *   <li>The reply: {@code Auto-Submitted: auto-replied}, {@code In-Reply-To}/{@code References}
 *       of the original, the null envelope sender (RFC 3834 3.3: its bounces go nowhere), From
 *       the account (or the script's {@code :from}); to a remote sender through the outbound
 *       queue (the relay signs it with DKIM and retries), to a local one into its INBOX.</li>
 * </ul>
 * The reply is committed before the original's own delivery; if that one then fails, the
 * sender's retry finds the reply remembered and gets none: at most one per period.
 */
public final class AutoReplies {
    private static final Logger log = LoggerFactory.getLogger(AutoReplies.class);
    public static final String SENT = "vacation.sent";
    /** Longest reply text kept (a script's reason, a VacationResponse's body). */
    static final int MAX_TEXT = 64 * 1024;

    private final Records records;
    private final Mailboxes mailboxes;
    private final Directory directory;
    private final Clock clock;
    private final String hostname;
    private final Duration minPeriod;

    public AutoReplies(Records records, Mailboxes mailboxes, Directory directory, Clock clock, String hostname, Duration minPeriod) {
        if (minPeriod.isNegative()) throw new IllegalArgumentException("vacation.minPeriod must not be negative");
        this.records = records;
        this.mailboxes = mailboxes;
        this.directory = directory;
        this.clock = clock;
        this.hostname = hostname;
        this.minPeriod = minPeriod;
    }

    /**
     * One automatic reply.
     *
     * @param handle   what "the same reply" is (RFC 5230 4.2): the sender is answered once per period per handle
     * @param subject  the Subject, or null for "Auto: " and the original's
     * @param from     the From, or null for the account's address
     * @param text     the body (plain text), or, with {@code mime}, a whole MIME entity (its header fields, a blank line, its body)
     * @param html     with {@code mime} false: true when {@code text} is HTML (a VacationResponse with only an htmlBody)
     */
    public record Reply(String handle, Duration period, String subject, String from, String text, boolean mime, boolean html) { }

    /**
     * Answers the message from {@code sender} with these {@code header} fields, unless the rules
     * or the memory forbid; returns why not (for the log), or null when the reply went out.
     *
     * @param rulesApplied the caller applied {@link AutoReplyRules} already (the Sieve interpreter, with the script's {@code :addresses})
     */
    public String answer(Account account, String sender, List<SieveMessage.Field> header, List<String> ownAddresses, boolean rulesApplied,
                         Reply reply) {
        String why = rulesApplied ? (sender.isEmpty() ? "null sender" : null) : AutoReplyRules.suppressed(sender, header, ownAddresses);
        if (why != null) return why;
        EmailAddress to;
        try {
            to = EmailAddress.parse(sender);
        } catch (IllegalArgumentException e) {
            return "sender " + Printable.of(sender) + " is not an address";
        }
        long now = clock.millis();
        String scope = Records.accountScope(account.id());
        String key = sha256(reply.handle() + "\0" + to.key());
        Optional<StoredRecord> seen = records.record(SENT, scope, key);
        if (seen.isPresent() && !seen.get().expiredAt(now)) return "answered " + to + " already within the period";
        Duration period = reply.period().compareTo(minPeriod) < 0 ? minPeriod : reply.period();
        byte[] message = compose(account, to, header, reply);
        if (!send(to, message)) return "sender " + to + " does not exist here";
        records.putRecord(SENT, scope, key, to.toString().getBytes(StandardCharsets.UTF_8), now + period.toMillis());
        log.info("auto-reply: {} answered {}", account.address(), to);
        return null;
    }

    /**
     * A Sieve {@code reject} of a message that was already accepted (RFC 5429 2.1: the script ran
     * after the 250 was due, for one of several recipients): a rejection MDN (RFC 8098,
     * disposition {@code automatic-action/MDN-sent-automatically; deleted}, the reason in its text
     * part, the original header as {@code text/rfc822-headers}) to the envelope sender, with the
     * null envelope sender. Never to the null sender (it would answer a bounce): the message is
     * then only discarded. Returns why nothing was sent, or null when the rejection went out.
     *
     * @param envelopeTo     the recipient as the client wrote it (Original-Recipient)
     * @param originalHeader the original's header section as it came (at most what was parsed)
     */
    public String reject(Account account, String sender, String envelopeTo, byte[] originalHeader, List<SieveMessage.Field> header,
                         String reason) {
        if (sender.isEmpty()) return "null sender";
        EmailAddress to;
        try {
            to = EmailAddress.parse(sender);
        } catch (IllegalArgumentException e) {
            return "sender " + Printable.of(sender) + " is not an address";
        }
        if (!send(to, composeRejection(account, to, envelopeTo, originalHeader, header, reason))) {
            return "sender " + to + " does not exist here";
        }
        log.info("sieve reject: {} refused a message from {} with a rejection MDN", account.address(), to);
        return null;
    }

    private byte[] composeRejection(Account account, EmailAddress to, String envelopeTo, byte[] originalHeader,
                                    List<SieveMessage.Field> header, String reason) {
        String originalSubject = value(header, "subject");
        String messageId = value(header, "message-id");
        String boundary = "=_reject_" + UUID.randomUUID().toString().replace("-", "");
        String text = (reason == null || reason.isBlank() ? "Message refused by the recipient's filter" : reason)
                .replace("\r\n", "\n").replace("\n", "\r\n");
        if (text.length() > MAX_TEXT) text = text.substring(0, MAX_TEXT);
        StringBuilder b = new StringBuilder();
        b.append("From: Mail Delivery System <MAILER-DAEMON@").append(account.address().domain()).append(">\r\n");
        b.append("To: ").append(to).append("\r\n");
        b.append("Subject: ").append(EncodedWords.encode(oneLine("Rejected: " + (originalSubject == null ? "" : originalSubject)))).append("\r\n");
        b.append("Date: ").append(MailDates.format(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))).append("\r\n");
        b.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        if (messageId != null) {
            b.append("In-Reply-To: ").append(oneLine(messageId)).append("\r\n");
            b.append("References: ").append(oneLine(messageId)).append("\r\n");
        }
        b.append("Auto-Submitted: auto-replied (rejected)\r\n");
        b.append("Precedence: bulk\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: multipart/report; report-type=disposition-notification;\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n");
        b.append("This is a MIME-encapsulated message.\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        String human = "Your message to " + oneLine(envelopeTo) + " was automatically rejected:\r\n\r\n" + text + "\r\n";
        b.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(human.getBytes(StandardCharsets.UTF_8))).append("\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: message/disposition-notification\r\n\r\n");
        b.append("Reporting-UA: ").append(hostname).append("; TwinMail\r\n");
        b.append("Original-Recipient: rfc822; ").append(oneLine(envelopeTo)).append("\r\n");
        b.append("Final-Recipient: rfc822; ").append(account.address()).append("\r\n");
        if (messageId != null) b.append("Original-Message-ID: ").append(oneLine(messageId)).append("\r\n");
        b.append("Disposition: automatic-action/MDN-sent-automatically; deleted\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: text/rfc822-headers\r\n\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + originalHeader.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(originalHeader, 0, out, head.length, originalHeader.length);
        System.arraycopy(tail, 0, out, head.length + originalHeader.length, tail.length);
        return out;
    }

    /** Sends an automatic message with the null envelope sender: into a local sender's INBOX, else through the outbound queue. */
    private boolean send(EmailAddress to, byte[] message) {
        switch (directory.resolve(to)) {
            // a local copy carries the null envelope sender as its Return-Path, as the MX would write it
            case RecipientResolution.Local l -> mailboxes.deliver(new Delivery(l.accounts().stream().map(Account::id).toList(),
                    MessageSpool.of(withReturnPath(message)), clock.instant()));
            case RecipientResolution.NotLocal n -> mailboxes.deliver(new Delivery(List.of(), MessageSpool.of(message), clock.instant(),
                    new Outbound("", List.of(to), !to.toString().chars().allMatch(c -> c < 0x80), false)));
            case RecipientResolution.Unknown u -> {
                return false;
            }
        }
        return true;
    }

    private byte[] compose(Account account, EmailAddress to, List<SieveMessage.Field> header, Reply reply) {
        String originalSubject = value(header, "subject");
        String subject = reply.subject() != null ? reply.subject() : "Auto: " + (originalSubject == null ? "" : originalSubject);
        String messageId = value(header, "message-id");
        String references = value(header, "references");
        StringBuilder b = new StringBuilder();
        b.append("From: ").append(reply.from() != null ? oneLine(reply.from()) : account.address().toString()).append("\r\n");
        b.append("To: ").append(to).append("\r\n");
        b.append("Subject: ").append(EncodedWords.encode(oneLine(subject))).append("\r\n");
        b.append("Date: ").append(MailDates.format(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))).append("\r\n");
        b.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        if (messageId != null) {
            b.append("In-Reply-To: ").append(oneLine(messageId)).append("\r\n");
            b.append("References: ").append(references == null ? "" : oneLine(references) + " ").append(oneLine(messageId)).append("\r\n");
        }
        b.append("Auto-Submitted: auto-replied\r\n");
        b.append("MIME-Version: 1.0\r\n");
        String text = reply.text() == null ? "" : reply.text();
        if (text.length() > MAX_TEXT) text = text.substring(0, MAX_TEXT);
        if (reply.mime()) {
            // the script gives the entity's own header fields and body (RFC 5230 5.8)
            b.append(text.replace("\r\n", "\n").replace("\n", "\r\n"));
        } else {
            b.append("Content-Type: text/").append(reply.html() ? "html" : "plain").append("; charset=utf-8\r\n");
            b.append("Content-Transfer-Encoding: base64\r\n\r\n");
            String encoded = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(
                    text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
            b.append(encoded).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withReturnPath(byte[] message) {
        byte[] prefix = "Return-Path: <>\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + message.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(message, 0, out, prefix.length, message.length);
        return out;
    }

    private static String value(List<SieveMessage.Field> header, String name) {
        for (SieveMessage.Field f : header) if (f.name().toLowerCase(Locale.ROOT).equals(name)) return f.value();
        return null;
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return t.length() > 900 ? t.substring(0, 900) : t;
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
