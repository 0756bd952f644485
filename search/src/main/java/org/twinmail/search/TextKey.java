package org.twinmail.search;

/**
 * The IMAP SEARCH keys the index answers (RFC 9051 6.4.4): substring, case-insensitive, over
 * the strings of {@link MessageText}. TEXT is the top-level header section or the body.
 */
public enum TextKey {
    SUBJECT("g.subject"), FROM("g.from"), TO("g.to"), CC("g.cc"), BCC("g.bcc"), BODY("g.body"), TEXT("g.headers", "g.body");

    final String[] fields;

    TextKey(String... fields) {
        this.fields = fields;
    }
}
