package org.twinmail.push;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.Header;

/**
 * The push message of a new mail, as the webmail's service worker reads it: small UTF-8 JSON
 * {@code {"type":"mail","accountId":"a1","mailboxId":"m3","emailId":"e…","from":"…","subject":"…"}}.
 * {@code from} is the sender's display name (decoded), else the address; {@code emailId} is the
 * JMAP Email id ({@code e} and the first 24 hex digits of the content address, as jmap's Ids),
 * which the notification opens. Texts are cut so the whole stays far below the 3993-octet limit.
 */
public final class MailPush {
    static final int MAX_FROM = 100;
    static final int MAX_SUBJECT = 200;

    private MailPush() {
    }

    public static byte[] payload(long accountId, long mailboxId, String contentAddress, Header header) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "mail");
        o.put("accountId", "a" + accountId);
        o.put("mailboxId", "m" + mailboxId);
        o.put("emailId", "e" + contentAddress.substring(0, Math.min(24, contentAddress.length())));
        o.put("from", cut(header.first("From").map(f -> sender(f.value())).orElse(""), MAX_FROM));
        o.put("subject", cut(header.first("Subject").map(f -> f.decoded().strip()).orElse(""), MAX_SUBJECT));
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String sender(String fromValue) {
        return AddressParser.firstMailbox(fromValue).map(MailPush::name).orElse(fromValue.strip());
    }

    private static String name(Mailbox m) {
        return m.displayName().filter(n -> !n.isBlank()).map(String::strip).orElse(m.address());
    }

    /** At most {@code max} code points, whole ones, with an ellipsis when cut. */
    static String cut(String s, int max) {
        String t = s.replaceAll("[\\p{Cntrl}&&[^\\t]]", " ");
        if (t.codePointCount(0, t.length()) <= max) return t;
        return t.substring(0, t.offsetByCodePoints(0, max - 1)) + "…";
    }
}
