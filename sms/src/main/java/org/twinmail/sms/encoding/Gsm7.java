package org.twinmail.sms.encoding;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The GSM 03.38 (3GPP TS 23.038) default 7-bit alphabet and its extension table. A character
 * of the basic table is one septet; one of the extension table is two (the escape 0x1B, then
 * its code), and the two are never parted. Septets are written unpacked, one per octet, as an
 * SMPP {@code short_message} with data_coding 0 (the SMSC's default alphabet) carries them.
 */
public final class Gsm7 {
    private Gsm7() {}

    /** The escape to the extension table. */
    public static final int ESCAPE = 0x1B;

    /** The basic table, indexed by septet; the escape's slot holds no character. */
    private static final String BASIC =
            "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
            + "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001b\u00c6\u00e6\u00df\u00c9"
            + " !\"#\u00a4%&'()*+,-./"
            + "0123456789:;<=>?"
            + "\u00a1ABCDEFGHIJKLMNO"
            + "PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
            + "\u00bfabcdefghijklmno"
            + "pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0";

    private static final Map<Integer, Integer> BASIC_CODES = new HashMap<>();
    private static final Map<Integer, Integer> EXTENSION_CODES = Map.of(
            (int) '\f', 0x0A, (int) '^', 0x14, (int) '{', 0x28, (int) '}', 0x29, (int) '\\', 0x2F,
            (int) '[', 0x3C, (int) '~', 0x3D, (int) ']', 0x3E, (int) '|', 0x40, (int) '\u20ac', 0x65);

    static {
        for (int i = 0; i < BASIC.length(); i++) if (i != ESCAPE) BASIC_CODES.put((int) BASIC.charAt(i), i);
    }

    /**
     * Typographic characters mail is full of, and their GSM stand-ins: a subject with curly
     * quotes would otherwise need UCS-2 and halve what fits in one message.
     */
    private static final Map<Integer, String> STAND_INS = Map.ofEntries(
            Map.entry(0x2018, "'"), Map.entry(0x2019, "'"), Map.entry(0x201A, "'"), Map.entry(0x201C, "\""),
            Map.entry(0x201D, "\""), Map.entry(0x201E, "\""), Map.entry(0x2013, "-"), Map.entry(0x2014, "-"),
            Map.entry(0x2026, "..."), Map.entry(0x00A0, " "), Map.entry(0x2022, "*"), Map.entry(0x00B4, "'"),
            Map.entry(0x0060, "'"), Map.entry(0x2032, "'"), Map.entry(0x00AB, "\""), Map.entry(0x00BB, "\""),
            Map.entry(0x0009, " "));

    /** Septets a code point takes: 1 (basic table), 2 (extension table), or 0 when it has none. */
    public static int septets(int codePoint) {
        if (BASIC_CODES.containsKey(codePoint)) return 1;
        if (EXTENSION_CODES.containsKey(codePoint)) return 2;
        return 0;
    }

    /** Whether every character of {@code text} is in the alphabet. */
    public static boolean encodable(String text) {
        return text.codePoints().allMatch(cp -> septets(cp) > 0);
    }

    /** Septets {@code text} takes; it must be {@link #encodable}. */
    public static int length(String text) {
        return text.codePoints().map(Gsm7::septets).sum();
    }

    /**
     * {@code text} with its typographic characters (curly quotes, dashes, the ellipsis, NBSP)
     * replaced by their GSM stand-ins, if that makes it {@link #encodable}; else {@code text}
     * as it is.
     */
    public static String withStandIns(String text) {
        if (encodable(text)) return text;
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            String s = STAND_INS.get(cp);
            if (s != null) b.append(s);
            else if (septets(cp) > 0) b.appendCodePoint(cp);
            else return text;
        }
        return b.toString();
    }

    /** {@code text} as unpacked septets, one per octet (an extension character as 0x1B and its code). */
    public static byte[] encode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            Integer basic = BASIC_CODES.get(cp);
            if (basic != null) {
                out.write(basic);
                continue;
            }
            Integer ext = EXTENSION_CODES.get(cp);
            if (ext == null) throw new IllegalArgumentException("U+" + Integer.toHexString(cp) + " is not in the GSM 7-bit alphabet");
            out.write(ESCAPE);
            out.write(ext);
        }
        return out.toByteArray();
    }

    /** Unpacked septets back to text; an unknown extension code reads as its basic character (3GPP TS 23.038 6.2.1.1). */
    public static String decode(byte[] septets) {
        StringBuilder b = new StringBuilder(septets.length);
        for (int i = 0; i < septets.length; i++) {
            int s = septets[i] & 0x7F;
            if (s == ESCAPE && i + 1 < septets.length) {
                int code = septets[++i] & 0x7F;
                int found = -1;
                for (var e : EXTENSION_CODES.entrySet()) if (e.getValue() == code) found = e.getKey();
                b.appendCodePoint(found >= 0 ? found : BASIC.charAt(code));
            } else if (s != ESCAPE) {
                b.append(BASIC.charAt(s));
            }
        }
        return b.toString();
    }
}
