package org.twinmail.sms.encoding;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A text as it goes to an SMSC: its {@link Alphabet} and its parts, each the octets of one
 * {@code short_message} (a concatenated message's parts begin with the 6-octet user data header
 * of 3GPP TS 23.040 9.2.3.24.1: {@code 05 00 03 ref total seq}, and are sent with the UDHI bit
 * of esm_class set). A part never ends inside a surrogate pair or between the escape and the
 * code of a GSM extension character: the whole character moves to the next part.
 *
 * @param text      the text, after GSM stand-ins were applied (what the phone shows)
 * @param alphabet  GSM 7-bit or UCS-2
 * @param parts     the octets of each short_message, in order
 * @param texts     the text of each part
 */
public record SmsText(String text, Alphabet alphabet, List<byte[]> parts, List<String> texts) {
    public SmsText {
        parts = List.copyOf(parts);
        texts = List.copyOf(texts);
    }

    /** Whether the parts carry a UDH (esm_class 0x40 in SMPP). */
    public boolean concatenated() {
        return parts.size() > 1;
    }

    /** Each part's octets in hex, for logs and the docs' examples. */
    public List<String> hex() {
        return parts.stream().map(p -> HexFormat.of().formatHex(p)).toList();
    }

    /** The length of {@code text} in the units of its alphabet, after stand-ins. */
    public static int units(String text) {
        String t = Gsm7.withStandIns(text);
        Alphabet a = Alphabet.of(t);
        return t.codePoints().map(a::units).sum();
    }

    /** How many parts {@code text} needs. */
    public static int partsNeeded(String text) {
        String t = Gsm7.withStandIns(text);
        return split(t, Alphabet.of(t)).size();
    }

    /** How many parts {@code text} needs in {@code alphabet} (GSM 7-bit after stand-ins; it must then be encodable). */
    public static int partsNeeded(String text, Alphabet alphabet) {
        return split(alphabet == Alphabet.GSM7 ? Gsm7.withStandIns(text) : text, alphabet).size();
    }

    /**
     * {@code text} encoded and split; {@code reference} (its low 8 bits) is the concatenation
     * reference all parts share, which tells a phone which parts belong together.
     */
    public static SmsText of(String text, int reference) {
        String t = Gsm7.withStandIns(text);
        return encode(t, reference, Alphabet.of(t));
    }

    /**
     * {@code text} encoded in {@code alphabet} and split, for a gateway that chooses it (GSM
     * 7-bit takes the stand-ins and must then be able to encode the text; UCS-2 takes any).
     */
    public static SmsText of(String text, int reference, Alphabet alphabet) {
        String t = alphabet == Alphabet.GSM7 ? Gsm7.withStandIns(text) : text;
        if (alphabet == Alphabet.GSM7 && !Gsm7.encodable(t)) throw new IllegalArgumentException("the text is not in the GSM 7-bit alphabet");
        return encode(t, reference, alphabet);
    }

    private static SmsText encode(String t, int reference, Alphabet a) {
        List<String> texts = split(t, a);
        List<byte[]> parts = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            byte[] payload = a == Alphabet.GSM7 ? Gsm7.encode(texts.get(i)) : texts.get(i).getBytes(StandardCharsets.UTF_16BE);
            if (texts.size() == 1) {
                parts.add(payload);
                continue;
            }
            if (texts.size() > 255) throw new IllegalArgumentException("a text of more than 255 parts");
            byte[] p = new byte[6 + payload.length];
            p[0] = 0x05;
            p[1] = 0x00;
            p[2] = 0x03;
            p[3] = (byte) reference;
            p[4] = (byte) texts.size();
            p[5] = (byte) (i + 1);
            System.arraycopy(payload, 0, p, 6, payload.length);
            parts.add(p);
        }
        return new SmsText(t, a, parts, texts);
    }

    /**
     * {@code text} as one part however long (for a gateway whose provider splits long texts
     * itself, as HTTP APIs do): the alphabet says how it would be encoded, the one part holds
     * it without a UDH.
     */
    public static SmsText whole(String text) {
        String t = Gsm7.withStandIns(text);
        Alphabet a = Alphabet.of(t);
        byte[] payload = a == Alphabet.GSM7 ? Gsm7.encode(t) : t.getBytes(StandardCharsets.UTF_16BE);
        return new SmsText(t, a, List.of(payload), List.of(t));
    }

    /** The texts of the parts: one if it fits alone, else as many as the per-part room needs. */
    static List<String> split(String text, Alphabet a) {
        int total = text.codePoints().map(a::units).sum();
        if (total <= a.single()) return List.of(text);
        List<String> out = new ArrayList<>();
        int start = 0;
        int used = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int u = a.units(cp);
            if (used + u > a.perPart()) {
                out.add(text.substring(start, i));
                start = i;
                used = 0;
            }
            used += u;
            i += Character.charCount(cp);
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }
}
