package org.twinmail.sms.encoding;

/**
 * The two alphabets a notice is sent in, with the SMPP data_coding that names each and what
 * fits in one message and in each part of a concatenated one (the 6-octet UDH takes 7
 * septets of a GSM message and 3 UCS-2 characters).
 */
public enum Alphabet {
    /** GSM 03.38 default alphabet, in septets: 160 alone, 153 per part. */
    GSM7(0x00, 160, 153),
    /** UCS-2 (UTF-16BE on the wire, so characters outside the BMP take two units): 70 alone, 67 per part. */
    UCS2(0x08, 70, 67);

    private final int dataCoding;
    private final int single;
    private final int perPart;

    Alphabet(int dataCoding, int single, int perPart) {
        this.dataCoding = dataCoding;
        this.single = single;
        this.perPart = perPart;
    }

    /** SMPP 3.4 data_coding (5.2.19): 0 the SMSC's default alphabet, 8 UCS-2. */
    public int dataCoding() {
        return dataCoding;
    }

    /** Units (septets or UTF-16 code units) in a message of one part. */
    public int single() {
        return single;
    }

    /** Units in each part of a concatenated message. */
    public int perPart() {
        return perPart;
    }

    /** The units code point {@code cp} takes in this alphabet (0: not encodable in it). */
    public int units(int cp) {
        return this == GSM7 ? Gsm7.septets(cp) : Character.charCount(cp);
    }

    /** The alphabet {@code text} is sent in: GSM 7-bit when every character is in it, else UCS-2. */
    public static Alphabet of(String text) {
        return Gsm7.encodable(text) ? GSM7 : UCS2;
    }
}
