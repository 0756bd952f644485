package org.twinmail.imap.mime;

import java.util.ArrayList;
import java.util.List;

/**
 * ENVELOPE (RFC 9051 7.5.2): date, subject, from, sender, reply-to, to, cc, bcc,
 * in-reply-to, message-id, as they appear in the header (encoded words are left
 * encoded, as the RFC requires). Sender and Reply-To default to From.
 */
public final class Envelope {
    private Envelope() {}

    public static String of(MimePart message) {
        StringBuilder b = new StringBuilder(256).append('(');
        b.append(BodyStructure.n(message.header("Date"))).append(' ');
        b.append(BodyStructure.n(message.header("Subject"))).append(' ');
        String from = addresses(message.header("From"));
        b.append(from).append(' ');
        String sender = addresses(message.header("Sender"));
        b.append(sender.equals("NIL") ? from : sender).append(' ');
        String replyTo = addresses(message.header("Reply-To"));
        b.append(replyTo.equals("NIL") ? from : replyTo).append(' ');
        b.append(addresses(message.header("To"))).append(' ');
        b.append(addresses(message.header("Cc"))).append(' ');
        b.append(addresses(message.header("Bcc"))).append(' ');
        b.append(BodyStructure.n(message.header("In-Reply-To"))).append(' ');
        b.append(BodyStructure.n(message.header("Message-ID")));
        return b.append(')').toString();
    }

    /** One parsed mailbox: display name (may be null), local part, domain (may be null); group markers use nulls. */
    public record Address(String name, String mailbox, String host) { }

    static String addresses(String header) {
        if (header == null || header.isBlank()) return "NIL";
        List<Address> list = parse(header);
        if (list.isEmpty()) return "NIL";
        StringBuilder b = new StringBuilder("(");
        for (Address a : list) {
            b.append('(').append(BodyStructure.n(a.name())).append(" NIL ").append(BodyStructure.n(a.mailbox())).append(' ')
                    .append(BodyStructure.n(a.host())).append(')');
        }
        return b.append(')').toString();
    }

    /**
     * A forgiving RFC 5322 address-list parser: "Name" &lt;a@b&gt;, a@b (comment), groups
     * ("team: a@b, c@d;" becomes the group start, its members, and the end marker).
     */
    public static List<Address> parse(String header) {
        List<Address> out = new ArrayList<>();
        List<String> tokens = split(header);
        for (String t : tokens) {
            String s = t.strip();
            if (s.isEmpty()) continue;
            int colon = groupColon(s);
            if (colon >= 0) {
                out.add(new Address(null, s.substring(0, colon).strip().replace("\"", ""), null));
                String rest = s.substring(colon + 1);
                boolean closes = rest.strip().endsWith(";");
                if (closes) rest = rest.substring(0, rest.lastIndexOf(';'));
                for (String member : split(rest)) {
                    Address a = mailbox(member.strip());
                    if (a != null) out.add(a);
                }
                out.add(new Address(null, null, null));
                continue;
            }
            Address a = mailbox(s);
            if (a != null) out.add(a);
        }
        return out;
    }

    /** Splits at commas outside quotes, angle brackets, comments and groups. */
    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        int angle = 0;
        int comment = 0;
        boolean group = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                cur.append(c);
                if (c == '\\' && i + 1 < s.length()) cur.append(s.charAt(++i));
                else if (c == '"') quoted = false;
                continue;
            }
            switch (c) {
                case '"' -> quoted = true;
                case '(' -> comment++;
                case ')' -> comment = Math.max(0, comment - 1);
                case '<' -> angle++;
                case '>' -> angle = Math.max(0, angle - 1);
                case ':' -> { if (angle == 0 && comment == 0) group = true; }
                case ';' -> { if (angle == 0 && comment == 0) group = false; }
                default -> { }
            }
            if (c == ',' && !group && angle == 0 && comment == 0) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static int groupColon(String s) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (!quoted && (c == '<' || c == '@')) return -1;
            else if (!quoted && c == ':') return i;
        }
        return -1;
    }

    private static Address mailbox(String s) {
        if (s.isEmpty()) return null;
        String name = null;
        String addr;
        int lt = s.lastIndexOf('<');
        int gt = s.lastIndexOf('>');
        if (lt >= 0 && gt > lt) {
            addr = s.substring(lt + 1, gt).strip();
            String display = stripComments(s.substring(0, lt)).strip();
            if (display.startsWith("\"") && display.endsWith("\"") && display.length() >= 2) {
                display = display.substring(1, display.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            name = display.isEmpty() ? null : display;
            // A source route (@a,@b:user@host) is obsolete; keep only the address.
            int route = addr.indexOf(':');
            if (addr.startsWith("@") && route > 0) addr = addr.substring(route + 1);
        } else {
            addr = stripComments(s).strip();
        }
        int at = addr.lastIndexOf('@');
        if (at < 0) return new Address(name, addr.isEmpty() ? null : addr, null);
        return new Address(name, addr.substring(0, at), addr.substring(at + 1));
    }

    private static String stripComments(String s) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && depth == 0) quoted = !quoted;
            if (!quoted && c == '(') depth++;
            if (depth == 0) b.append(c);
            if (!quoted && c == ')' && depth > 0) depth--;
        }
        return b.toString();
    }
}
