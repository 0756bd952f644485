package org.twinmail.mail.header;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Charset names as mail uses them, mapped to what decodes them best: GB2312 and GBK mail is
 * usually GBK (or GB18030) in practice, so all three decode as GB18030, a superset of both;
 * ISO-8859-1 and US-ASCII mail often holds windows-1252 punctuation (as browsers read it);
 * common misspellings ("utf8", "latin1") are accepted.
 */
public final class MailCharsets {
    private static final Charset GB18030 = Charset.forName("GB18030");
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("gb2312", "GB18030"), Map.entry("gbk", "GB18030"), Map.entry("x-gbk", "GB18030"),
            Map.entry("euc-cn", "GB18030"), Map.entry("cp936", "GB18030"), Map.entry("x-euc-cn", "GB18030"),
            Map.entry("gb_2312-80", "GB18030"), Map.entry("chinese", "GB18030"),
            Map.entry("utf8", "UTF-8"), Map.entry("utf-8", "UTF-8"), Map.entry("unicode-1-1-utf-8", "UTF-8"),
            Map.entry("latin1", "windows-1252"), Map.entry("iso-8859-1", "windows-1252"), Map.entry("iso8859-1", "windows-1252"),
            Map.entry("ks_c_5601-1987", "x-windows-949"), Map.entry("ks_c_5601", "x-windows-949"), Map.entry("euc-kr", "x-windows-949"),
            Map.entry("shift-jis", "windows-31j"), Map.entry("shift_jis", "windows-31j"), Map.entry("sjis", "windows-31j"),
            Map.entry("x-sjis", "windows-31j"), Map.entry("big5", "Big5-HKSCS"), Map.entry("iso-2022-jp", "ISO-2022-JP"));

    private MailCharsets() {
    }

    /** The charset a mail charset name stands for, if the JDK has it (RFC 2231 language suffixes ignored). */
    public static Optional<Charset> forName(String name) {
        if (name == null) return Optional.empty();
        String n = name.strip().toLowerCase(Locale.ROOT);
        int star = n.indexOf('*'); // RFC 2231 5: charset*language
        if (star >= 0) n = n.substring(0, star);
        if (n.startsWith("\"") && n.endsWith("\"") && n.length() >= 2) n = n.substring(1, n.length() - 1);
        if (n.isEmpty()) return Optional.empty();
        String alias = ALIASES.get(n);
        if (alias != null) return Optional.of(alias.equals("GB18030") ? GB18030 : Charset.forName(alias));
        try {
            return Optional.of(Charset.forName(n));
        } catch (RuntimeException e) { // illegal or unsupported name
            return Optional.empty();
        }
    }

    /** {@link #forName} or {@code fallback}; US-ASCII is read as UTF-8, which it is a subset of (8-bit octets in "ASCII" text are usually UTF-8). */
    public static Charset forName(String name, Charset fallback) {
        if (name != null && name.strip().equalsIgnoreCase("us-ascii")) return StandardCharsets.UTF_8;
        return forName(name).orElse(fallback);
    }

    /** True if every octet of the range is below 0x80. */
    public static boolean isAscii(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] < 0) return false;
        return true;
    }

    /** The octets as UTF-8 if they are valid UTF-8, else empty (RFC 6532 headers are UTF-8; anything else is a legacy charset). */
    public static Optional<String> strictUtf8(byte[] b, int from, int to) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Text from 8-bit octets: UTF-8 when valid, else {@code fallback} (malformed sequences replaced, never an exception). */
    public static String decode(byte[] b, int from, int to, Charset fallback) {
        if (isAscii(b, from, to)) return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        return strictUtf8(b, from, to).orElseGet(() -> new String(b, from, to - from, fallback));
    }
}
