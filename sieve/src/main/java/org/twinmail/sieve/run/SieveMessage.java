package org.twinmail.sieve.run;

import java.util.List;

/** What a script can see of the message being delivered (read-only; editheader works on a copy of the fields). */
public interface SieveMessage {
    /** A header field: its name as written and its value unfolded, encoded words decoded (RFC 2047). */
    record Field(String name, String value) { }

    /** A body part for the body test (RFC 5173): its content type ("text/plain", lower case) and its decoded text. */
    record Part(String contentType, String text) { }

    /** Every header field, top first. */
    List<Field> fields();

    /** The envelope sender without brackets; "" for the null sender. */
    String envelopeFrom();

    /** The envelope recipient this delivery is for. */
    String envelopeTo();

    /** Size in octets (RFC 5228 5.9). */
    long size();

    /** The body after the header, undecoded (body :raw). */
    String rawBody();

    /** The leaf parts (multipart containers left out), decoded to text where they are text; non-text parts with empty text. */
    List<Part> parts();
}
