package org.twinmail.imap.mime;

import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.mime.MimePart;

/** The text of a message as SEARCH BODY/TEXT compares it: text parts with transfer encoding and charset undone (the mail library's {@link MimePart#text()}). */
public final class MessageText {
    private MessageText() {}

    /** All text/* leaf parts, decoded, joined by newlines; an enclosed message's header fields too. */
    public static String body(MimePart root) {
        StringBuilder b = new StringBuilder();
        collect(root, b);
        return b.toString();
    }

    private static void collect(MimePart p, StringBuilder b) {
        if (p.isMultipart()) {
            for (MimePart c : p.children()) collect(c, b);
            return;
        }
        if (p.message() != null) {
            b.append(headers(p.message())).append('\n');
            collect(p.message(), b);
            return;
        }
        if (!p.type().equals("text")) return;
        b.append(p.text()).append('\n');
    }

    /** Header fields with encoded words decoded, one per line. */
    public static String headers(MimePart p) {
        StringBuilder b = new StringBuilder();
        for (HeaderField f : p.fields()) b.append(f.name()).append(": ").append(f.decoded()).append('\n');
        return b.toString();
    }
}
