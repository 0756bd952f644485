package org.twinmail.relay.client;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.core.mail.Printable;

/**
 * One reply of a remote SMTP server (RFC 5321 4.2): the code, the enhanced status code of
 * RFC 3463 when the server gave one, and the text lines.
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    public SmtpReply {
        lines = List.copyOf(lines);
    }

    static SmtpReply of(int code, List<String> lines) {
        String first = lines.isEmpty() ? "" : lines.getFirst();
        Matcher m = ENHANCED.matcher(first);
        // RFC 3463 2: the class of the enhanced code must match the reply's.
        String enhanced = m.find() && m.group(1).charAt(0) - '0' == code / 100 ? m.group(1) + "." + m.group(2) + "." + m.group(3) : null;
        return new SmtpReply(code, enhanced, lines);
    }

    public boolean positive() {
        return code / 100 == 2;
    }

    public boolean intermediate() {
        return code / 100 == 3;
    }

    public boolean permanent() {
        return code / 100 == 5;
    }

    /** The enhanced status, or one derived from the code's class ({@code fallback} detail) when the server gave none. */
    public String status(String fallbackDetail) {
        if (enhanced != null) return enhanced;
        return (code / 100) + "." + fallbackDetail;
    }

    /** The reply on one line, printable, for logs, the queue's last reply and DSN Diagnostic-Code fields. */
    @Override
    public String toString() {
        return code + " " + Printable.of(String.join(" ", lines));
    }
}
