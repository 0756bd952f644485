package org.twinmail.imap.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3) unless the client enabled
 * UTF8=ACCEPT. The store keeps names as Unicode text.
 */
public final class MailboxNames {
    private MailboxNames() {}

    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    /** Unicode → modified UTF-7: printable ASCII stays ("&" becomes "&-"), the rest is "&" + base64 of UTF-16 with "," for "/" + "-". */
    public static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        int i = 0;
        while (i < name.length()) {
            char c = name.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                out.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int j = i;
            while (j < name.length() && (name.charAt(j) < 0x20 || name.charAt(j) > 0x7e)) j++;
            byte[] utf16 = name.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
            out.append('&').append(ENCODER.encodeToString(utf16).replace('/', ',')).append('-');
            i = j;
        }
        return out.toString();
    }

    /**
     * Modified UTF-7 → Unicode.
     *
     * @throws ImapSyntaxException for a malformed name (bad base64, unterminated shift, 8-bit octets)
     */
    public static String decode(String wire) throws ImapSyntaxException {
        StringBuilder out = new StringBuilder(wire.length());
        int i = 0;
        while (i < wire.length()) {
            char c = wire.charAt(i);
            if (c > 0x7e || c < 0x20) throw ImapSyntaxException.syntax("mailbox name is not modified UTF-7 (8-bit or control character)");
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int end = wire.indexOf('-', i + 1);
            if (end < 0) throw ImapSyntaxException.syntax("mailbox name: unterminated modified UTF-7 shift");
            if (end == i + 1) {
                out.append('&');
            } else {
                String b64 = wire.substring(i + 1, end).replace(',', '/');
                try {
                    byte[] utf16 = Base64.getDecoder().decode(b64);
                    if (utf16.length % 2 != 0) throw new IllegalArgumentException("odd length");
                    String text = StandardCharsets.UTF_16BE.newDecoder().decode(ByteBuffer.wrap(utf16)).toString();
                    out.append(text);
                } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
                    throw ImapSyntaxException.syntax("mailbox name: bad modified UTF-7");
                }
            }
            i = end + 1;
        }
        return out.toString();
    }
}
