package org.twinmail.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.mail.address.Address;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Group;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.mime.MimePart;

/**
 * The text of a message as search compares it, in one place for IMAP SEARCH's full parse and
 * for the index (which must hold exactly these strings to answer for SEARCH): text parts with
 * transfer encoding and charset undone (the mail library's {@link MimePart#text()}), header
 * fields decoded, addresses as the mail library's parser reads them. {@link #fold} is the one
 * case folding of both sides.
 */
public final class MessageText {
    private MessageText() {}

    /** The case folding of IMAP SEARCH (substring match, case-insensitive) and of the index. */
    public static String fold(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

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

    /** Every occurrence of a header field of the top-level header, encoded words decoded. */
    public static List<String> fields(MimePart message, String name) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : message.headerSection().all(name)) out.add(f.decoded());
        return out;
    }

    /**
     * Every address of every occurrence of an address field, folded, as
     * {@code display name <route:local@domain>} (a group as its name); the decoded field
     * itself when it holds no address the parser can read. IMAP SEARCH FROM/TO/CC/BCC look
     * for their string in these (RFC 9051 6.4.4: the envelope structure's field).
     */
    public static List<String> addresses(MimePart message, String name) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : message.headerSection().all(name)) {
            List<Address> list = AddressParser.parse(f.value()).addresses();
            if (list.isEmpty()) out.add(fold(f.decoded()));
            for (Address a : list) {
                switch (a) {
                    case Mailbox m -> out.add(text(m));
                    case Group g -> {
                        out.add(g.name() == null ? "" : fold(g.name()));
                        for (Mailbox m : g.members()) out.add(text(m));
                    }
                }
            }
        }
        return out;
    }

    private static String text(Mailbox m) {
        String addr = (m.route() == null ? "" : m.route() + ":") + m.address();
        return fold((m.name() == null ? "" : m.name() + " ") + "<" + addr + ">");
    }

    /**
     * What a reader sees of the text parts (for word search, not for IMAP SEARCH): text/plain
     * as it is, text/html without its markup (see {@link Html}), enclosed messages' subjects
     * and text; attachments (a text part with a file name or disposition attachment) left out.
     */
    public static String readable(MimePart root) {
        StringBuilder b = new StringBuilder();
        for (MimePart leaf : root.leaves()) {
            if (!leaf.type().equals("text") || isAttachment(leaf)) continue;
            String t = leaf.text();
            b.append(leaf.subtype().equals("html") ? Html.text(t) : t).append('\n');
        }
        return b.toString();
    }

    /** The file names of a message's parts (Content-Disposition filename, else Content-Type name), decoded. */
    public static List<String> attachmentNames(MimePart root) {
        List<String> out = new ArrayList<>();
        for (MimePart leaf : root.leaves()) {
            String name = fileName(leaf);
            if (name != null && !name.isBlank()) out.add(name);
        }
        return out;
    }

    private static boolean isAttachment(MimePart leaf) {
        var d = leaf.disposition();
        return (d != null && d.getKey().equals("attachment")) || fileName(leaf) != null;
    }

    private static String fileName(MimePart leaf) {
        var d = leaf.disposition();
        String name = d == null ? null : d.getValue().get("filename");
        if (name == null) name = leaf.params().get("name");
        return name == null ? null : MimePart.decodeWords(name);
    }
}
