package org.twinmail.mail.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A body section of IMAP FETCH (RFC 9051 6.4.5) and of IMAP URLs (RFC 5092 ";SECTION="): a
 * part path ("1.2.3", empty for the whole message) and a text specifier (HEADER,
 * HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME, or none). Here, in the mail library, so IMAP's
 * FETCH, CATENATE and URLFETCH and the submission server's BURL cut a message alike.
 *
 * @param path   part numbers, each 1 or more
 * @param text   null, "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME"
 * @param fields header field names for HEADER.FIELDS (.NOT), upper case
 */
public record Section(List<Integer> path, String text, List<String> fields) {
    public Section {
        path = List.copyOf(path);
        fields = List.copyOf(fields);
    }

    /**
     * The section of an IMAP URL (RFC 5092 "section"): part numbers, then HEADER, TEXT or MIME
     * (HEADER.FIELDS cannot be written in a URL here); empty for anything else.
     */
    public static java.util.Optional<Section> ofUrl(String spec) {
        List<Integer> path = new java.util.ArrayList<>();
        String text = null;
        String[] parts = spec.split("\\.", -1);
        int i = 0;
        while (i < parts.length && !parts[i].isEmpty() && parts[i].length() <= 5 && parts[i].chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(parts[i]);
            if (n == 0) return java.util.Optional.empty();
            path.add(n);
            i++;
        }
        if (i < parts.length) {
            text = String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)).toUpperCase(java.util.Locale.ROOT);
            if (!List.of("HEADER", "TEXT", "MIME").contains(text) || (text.equals("MIME") && path.isEmpty())) return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Section(path, text, List.of()));
    }

    /** How the section is named in the response: BODY[1.HEADER.FIELDS (SUBJECT FROM)]. */
    public String spec() {
        StringBuilder b = new StringBuilder();
        for (int n : path) {
            if (!b.isEmpty()) b.append('.');
            b.append(n);
        }
        if (text != null) {
            if (!b.isEmpty()) b.append('.');
            b.append(text);
            if (text.startsWith("HEADER.FIELDS")) b.append(" (").append(String.join(" ", fields)).append(')');
        }
        return b.toString();
    }

    /** The part a path names, or null if there is none. */
    public MimePart part(MimePart root) {
        MimePart part = root;
        for (int i = 0; i < path.size(); i++) {
            int n = path.get(i);
            MimePart container = part.message() != null && i > 0 ? part.message() : part;
            if (container.isMultipart()) {
                if (n > container.children().size()) return null;
                part = container.children().get(n - 1);
            } else if (n == 1) {
                part = container;
            } else {
                return null;
            }
        }
        return part;
    }

    /** The section's octets, or an empty array for a part that does not exist (RFC 9051: an empty string). */
    public byte[] extract(MimePart root) {
        MimePart part = root;
        // For each number: a multipart's child, or for a message/rfc822 part its message's body parts.
        for (int i = 0; i < path.size(); i++) {
            int n = path.get(i);
            MimePart container = part.message() != null && i > 0 ? part.message() : part;
            if (container.isMultipart()) {
                if (n > container.children().size()) return new byte[0];
                part = container.children().get(n - 1);
            } else if (n == 1) {
                part = container;
            } else {
                return new byte[0];
            }
        }
        byte[] d = root.data();
        if (text == null) {
            if (path.isEmpty()) return slice(d, part.headerStart(), part.end());
            return slice(d, part.bodyStart(), part.end());
        }
        // HEADER and TEXT of a message/rfc822 part refer to the enclosed message.
        MimePart msg = !path.isEmpty() && part.message() != null && !text.equals("MIME") ? part.message() : part;
        return switch (text) {
            case "MIME", "HEADER" -> slice(d, msg.headerStart(), msg.bodyStart());
            case "TEXT" -> slice(d, msg.bodyStart(), msg.end());
            case "HEADER.FIELDS", "HEADER.FIELDS.NOT" -> headerFields(msg, text.endsWith(".NOT"));
            default -> throw new IllegalStateException(text);
        };
    }

    private byte[] headerFields(MimePart part, boolean not) {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(fields);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] d = part.data();
        for (org.twinmail.mail.header.HeaderField f : part.fields()) {
            if (names.contains(f.name()) != not) out.write(d, f.start(), f.end() - f.start());
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] slice(byte[] d, int from, int to) {
        return java.util.Arrays.copyOfRange(d, from, Math.max(from, to));
    }
}
