package org.twinmail.sms.reply;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.sms.gateway.SmsGateway.Inbound;

/**
 * A mobile-originated message read as a reply to a notice, before anything is looked up (the
 * parse, apart from the {@link ReplyHandler} that acts on it).
 *
 * <p>The reference is the extension of the service number the user answered when the gateway
 * puts references into its source address; else a code at the start of the text, {@code #}
 * and 4 to 8 letters or digits (the notice says "Reply: start with #JDRW"). A leading code is
 * removed from the body in both cases.
 *
 * @param phone the sender's number (E.164)
 * @param ref   the notice's reference (upper case), empty when the message carries none
 * @param body  the text to send on, stripped
 */
public record SmsReply(String phone, Optional<String> ref, String body) {
    private static final Pattern CODE = Pattern.compile("^\\s*#([A-Za-z0-9]{4,8})(?![A-Za-z0-9])[\\s:,.]*", Pattern.UNICODE_CHARACTER_CLASS);

    public static SmsReply parse(Inbound.Mo mo) {
        String text = mo.text() == null ? "" : mo.text();
        Matcher m = CODE.matcher(text);
        Optional<String> inText = Optional.empty();
        if (m.find()) {
            inText = Optional.of(m.group(1).toUpperCase(Locale.ROOT));
            text = text.substring(m.end());
        }
        Optional<String> ref = mo.extension() == null || mo.extension().isEmpty() ? inText : Optional.of(mo.extension());
        return new SmsReply(mo.from(), ref, text.strip());
    }
}
