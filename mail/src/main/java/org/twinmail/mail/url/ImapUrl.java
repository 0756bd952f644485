package org.twinmail.mail.url;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * An IMAP URL naming one message or one section of it (RFC 5092 "icommand" with "iuid-only"),
 * as CATENATE (RFC 4469) and URLAUTH/BURL (RFC 4467, RFC 4468) use it:
 * {@code imap://user;AUTH=*@host:port/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2/;PARTIAL=0.1024},
 * the same path without the server ({@code /INBOX;UIDVALIDITY=...}), or relative to the selected
 * mailbox ({@code ;UID=20/;SECTION=TEXT}). Mailbox names are percent-encoded UTF-8 (RFC 5092
 * 3.4: no modified UTF-7). A URLAUTH URL carries {@code ;EXPIRE=...;URLAUTH=access:mech:token}
 * after the UID part. Pure: parsing only, no I/O; here so that IMAP and the submission server's
 * BURL read URLs the same way without depending on each other.
 *
 * @param user        the user of the server part, or null
 * @param host        the server's host, or null for a URL without one
 * @param mailbox     the mailbox name (decoded), or null when relative to the selected mailbox
 * @param uidValidity the UIDVALIDITY it names, or 0 when not given
 * @param uid         the message's UID
 * @param section     the section spec ("1.2", "HEADER", "1.TEXT"), upper case, or null for the whole message
 * @param partialStart  first octet of ;PARTIAL=, or -1
 * @param partialLength octets of ;PARTIAL=, or -1 for "to the end"
 * @param expire      the ;EXPIRE= date-time as written, or null
 * @param access      the URLAUTH access identifier ("anonymous", "authuser", "user+name", "submit+name"), or null
 * @param mechanism   the URLAUTH mechanism ("INTERNAL"), or null
 * @param token       the URLAUTH token (hex), or null
 */
public record ImapUrl(String user, String host, String mailbox, long uidValidity, long uid, String section,
                      long partialStart, long partialLength, String expire, String access, String mechanism, String token) {

    /** Parses an IMAP URL; empty when it is not one this server serves (no UID, bad escapes, bad numbers). */
    public static Optional<ImapUrl> parse(String url) {
        try {
            return Optional.of(read(url));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static ImapUrl read(String url) {
        String rest = url;
        String user = null;
        String host = null;
        if (rest.regionMatches(true, 0, "imap://", 0, 7)) {
            rest = rest.substring(7);
            int slash = rest.indexOf('/');
            if (slash < 0) throw new IllegalArgumentException("no path");
            String server = rest.substring(0, slash);
            rest = rest.substring(slash);
            int at = server.lastIndexOf('@');
            if (at >= 0) {
                String info = server.substring(0, at);
                int auth = info.toUpperCase(Locale.ROOT).indexOf(";AUTH=");
                user = decode(auth >= 0 ? info.substring(0, auth) : info);
                if (user.isEmpty()) user = null;
                server = server.substring(at + 1);
            }
            host = server.toLowerCase(Locale.ROOT);
            if (host.isEmpty()) throw new IllegalArgumentException("no host");
        }
        String mailbox = null;
        long uidValidity = 0;
        if (rest.startsWith("/")) {
            int end = rest.indexOf("/;", 1);
            if (end < 0) throw new IllegalArgumentException("no UID");
            String ref = rest.substring(1, end);
            rest = rest.substring(end + 1);
            int v = ref.toUpperCase(Locale.ROOT).indexOf(";UIDVALIDITY=");
            if (v >= 0) {
                uidValidity = number(ref.substring(v + 13));
                ref = ref.substring(0, v);
            }
            mailbox = decode(ref);
            if (mailbox.isEmpty()) throw new IllegalArgumentException("empty mailbox");
        }
        if (!rest.regionMatches(true, 0, ";UID=", 0, 5)) throw new IllegalArgumentException("no UID");
        String[] parts = rest.split("/", -1);
        String first = parts[0];
        String urlauth = null;
        int semi = first.indexOf(';', 5);
        if (semi >= 0) {
            urlauth = first.substring(semi);
            first = first.substring(0, semi);
        }
        long uid = number(first.substring(5));
        String section = null;
        long partialStart = -1;
        long partialLength = -1;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int s2 = p.indexOf(';', 1);
            if (s2 >= 0 && i == parts.length - 1 && p.toUpperCase(Locale.ROOT).indexOf(";EXPIRE=", 1) >= 0
                    || s2 >= 0 && p.toUpperCase(Locale.ROOT).indexOf(";URLAUTH=", 1) >= 0) {
                urlauth = p.substring(s2);
                p = p.substring(0, s2);
            }
            String upper = p.toUpperCase(Locale.ROOT);
            if (upper.startsWith(";SECTION=") && section == null && partialStart < 0) {
                section = decode(p.substring(9)).toUpperCase(Locale.ROOT);
                if (section.isEmpty()) throw new IllegalArgumentException("empty section");
            } else if (upper.startsWith(";PARTIAL=") && partialStart < 0) {
                String range = p.substring(9);
                int dot = range.indexOf('.');
                partialStart = number0(dot < 0 ? range : range.substring(0, dot));
                if (dot >= 0) partialLength = number(range.substring(dot + 1));
            } else {
                throw new IllegalArgumentException("unknown URL part " + p);
            }
        }
        String expire = null;
        String access = null;
        String mechanism = null;
        String token = null;
        if (urlauth != null) {
            String u = urlauth;
            String upper = u.toUpperCase(Locale.ROOT);
            if (upper.startsWith(";EXPIRE=")) {
                int next = upper.indexOf(";URLAUTH=");
                expire = u.substring(8, next < 0 ? u.length() : next);
                u = next < 0 ? "" : u.substring(next);
                upper = u.toUpperCase(Locale.ROOT);
            }
            if (upper.startsWith(";URLAUTH=")) {
                String[] f = u.substring(9).split(":", -1);
                if (f.length < 1 || f[0].isEmpty() || f.length == 2 || f.length > 3) throw new IllegalArgumentException("bad URLAUTH");
                access = decode(f[0]);
                if (f.length == 3) {
                    mechanism = f[1].toUpperCase(Locale.ROOT);
                    token = f[2].toLowerCase(Locale.ROOT);
                }
            } else if (!u.isEmpty()) {
                throw new IllegalArgumentException("unknown URL part " + u);
            }
        }
        return new ImapUrl(user, host, mailbox, uidValidity, uid, section, partialStart, partialLength, expire, access, mechanism, token);
    }

    /** The URL without its ";URLAUTH=access:mech:token" tail's token: what a URLAUTH token is computed over (RFC 4467 7). */
    public static String withoutToken(String url) {
        int i = url.toUpperCase(Locale.ROOT).lastIndexOf(";URLAUTH=");
        if (i < 0) return url;
        int colon = url.indexOf(':', i + 9);
        return colon < 0 ? url : url.substring(0, colon);
    }

    private static long number(String s) {
        long v = number0(s);
        if (v == 0) throw new IllegalArgumentException("zero");
        return v;
    }

    private static long number0(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) throw new IllegalArgumentException("bad number " + s);
        long v = Long.parseLong(s);
        if (v > 0xFFFF_FFFFL) throw new IllegalArgumentException("number too large");
        return v;
    }

    /** Percent-decoding to UTF-8 (RFC 3986 2.1); a malformed escape or invalid UTF-8 is refused. */
    static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) throw new IllegalArgumentException("bad escape");
                int h = Character.digit(s.charAt(i + 1), 16);
                int l = Character.digit(s.charAt(i + 2), 16);
                if (h < 0 || l < 0) throw new IllegalArgumentException("bad escape");
                out.write(h * 16 + l);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8");
        }
    }
}
