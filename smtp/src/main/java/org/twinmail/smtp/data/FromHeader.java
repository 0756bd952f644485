package org.twinmail.smtp.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.core.mail.EmailAddress;

/**
 * The addresses in a message's From field (RFC 5322 3.6.2: {@code mailbox-list}), for the
 * submission check that a user sends only as themselves. Only the header section is read,
 * and at most {@link #MAX_HEADER_BYTES} of it. Display names, quoted strings and comments
 * are skipped properly, so {@code "Bob, <bob@x>" <alice@y>} yields alice@y.
 */
public final class FromHeader {
    /** Headers beyond this are not searched (Postfix's header_size_limit is 100 KiB as well). */
    public static final int MAX_HEADER_BYTES = 100 * 1024;

    private FromHeader() {
    }

    /** The From field cannot be used: missing, repeated, or not a list of addresses. */
    public static final class Malformed extends Exception {
        public Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** The addresses of the one From field in {@code message}. */
    public static List<EmailAddress> addresses(InputStream message) throws IOException, Malformed {
        List<String> fields = fields(message, "from");
        if (fields.isEmpty()) throw new Malformed("message has no From header");
        if (fields.size() > 1) throw new Malformed("message has more than one From header");
        return parseMailboxList(fields.getFirst());
    }

    /** The unfolded values of every field named {@code name} (lower case) in the header section. */
    static List<String> fields(InputStream in, String name) throws IOException {
        List<StringBuilder> found = new ArrayList<>();
        StringBuilder open = null; // the matching field a folded line would continue
        int total = 0;
        while (total < MAX_HEADER_BYTES) {
            String line = readLine(in);
            if (line == null || line.isEmpty()) break; // end of the header section
            total += line.length() + 2;
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (open != null) open.append(line);
                continue;
            }
            open = null;
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                open = new StringBuilder(line.substring(colon + 1));
                found.add(open);
            }
        }
        return found.stream().map(StringBuilder::toString).toList();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') break;
            b.write(c);
        }
        if (c == -1 && b.size() == 0) return null;
        byte[] bytes = b.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') len--;
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }

    /** Splits a mailbox-list at top-level commas and takes each mailbox's addr-spec. */
    static List<EmailAddress> parseMailboxList(String value) throws Malformed {
        List<EmailAddress> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder(); // the text outside quotes and comments
        String angle = null;
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            if (depth > 0) {
                if (c == '\\') i++;
                else if (c == '(') depth++;
                else if (c == ')') depth--;
                continue;
            }
            switch (c) {
                case '"' -> quoted = true;
                case '(' -> depth++;
                case '<' -> {
                    int end = value.indexOf('>', i);
                    if (end < 0) throw new Malformed("unbalanced <> in From");
                    angle = value.substring(i + 1, end);
                    i = end;
                }
                case ',' -> {
                    out.add(mailbox(angle, plain));
                    angle = null;
                    plain.setLength(0);
                }
                default -> plain.append(c);
            }
        }
        if (quoted || depth > 0) throw new Malformed("unbalanced quotes or comment in From");
        out.add(mailbox(angle, plain));
        return out;
    }

    private static EmailAddress mailbox(String angle, StringBuilder plain) throws Malformed {
        String spec = angle != null ? angle.strip() : plain.toString().strip();
        if (angle == null && spec.contains(":")) throw new Malformed("group syntax in From is not accepted for submission");
        try {
            return EmailAddress.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new Malformed("From is not a list of addresses: " + e.getMessage());
        }
    }
}
