package org.twinmail.sms.reply;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.MailDates;
import org.twinmail.sms.notice.MailNotice;

/** The mail a reply by SMS becomes: from the user to the notice's sender, threaded under the original message. */
public final class ReplyMessage {
    /** Text kept of one reply (SMS concatenation tops out far below). */
    static final int MAX_TEXT = 10_000;

    private ReplyMessage() {
    }

    /** {@code Re: } and the original subject, unless it already starts with a {@code Re:}. */
    public static String subject(String original) {
        String s = original == null ? "" : original.strip();
        return s.toLowerCase(Locale.ROOT).startsWith("re:") ? s : "Re: " + s;
    }

    /**
     * The message: From the user, To the notice's reply address, Subject {@code Re: ...},
     * In-Reply-To the original's Message-ID and References its References and Message-ID,
     * a UTF-8 text/plain body (base64, so any relay takes it).
     */
    public static byte[] compose(EmailAddress from, MailNotice notice, String text, String hostname, Instant now) {
        StringBuilder b = new StringBuilder();
        b.append("From: ").append(from).append("\r\n");
        b.append("To: ").append(oneLine(notice.replyTo())).append("\r\n");
        b.append("Subject: ").append(EncodedWords.encode(oneLine(subject(notice.subject())))).append("\r\n");
        b.append("Date: ").append(MailDates.format(OffsetDateTime.ofInstant(now, ZoneOffset.UTC))).append("\r\n");
        b.append("Message-ID: <").append(UUID.randomUUID()).append(".sms@").append(hostname).append(">\r\n");
        if (!notice.messageId().isEmpty()) b.append("In-Reply-To: <").append(oneLine(notice.messageId())).append(">\r\n");
        List<String> refs = notice.references();
        if (!refs.isEmpty()) {
            b.append("References:");
            for (String r : refs) b.append("\r\n <").append(oneLine(r)).append('>');
            b.append("\r\n");
        }
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: text/plain; charset=utf-8\r\n");
        b.append("Content-Transfer-Encoding: base64\r\n\r\n");
        String body = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
        body = body.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n") + "\r\n";
        b.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(body.getBytes(StandardCharsets.UTF_8))).append("\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
