package org.twinmail.relay.queue;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What delivery needs to know of a queued message's header section, read once per attempt:
 * the number of Received fields (loop detection), whether any header is non-ASCII (then the
 * message needs SMTPUTF8 if it was submitted with it), and the From domain (DKIM's signing
 * domain). Reads no further than the end of the header section, and at most {@link #MAX_BYTES}.
 */
record MessageHeaders(int received, boolean nonAscii, Optional<String> fromDomain, int returnPathLength) {
    static final int MAX_BYTES = 256 * 1024;
    private static final Pattern ANGLE = Pattern.compile("<([^<>]*)>");

    static MessageHeaders read(InputStream in) throws IOException {
        byte[] header = headerSection(in);
        boolean nonAscii = false;
        for (byte b : header) {
            if (b < 0) {
                nonAscii = true;
                break;
            }
        }
        String text = new String(header, StandardCharsets.UTF_8);
        // Unfold (RFC 5322 2.2.3) so each field is one line.
        String[] fields = text.replace("\r\n", "\n").replaceAll("\n[ \t]", " ").split("\n");
        int received = 0;
        String from = null;
        for (String f : fields) {
            int colon = f.indexOf(':');
            if (colon <= 0) continue;
            String name = f.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (name.equals("received")) received++;
            else if (name.equals("from") && from == null) from = f.substring(colon + 1);
        }
        return new MessageHeaders(received, nonAscii, Optional.ofNullable(from).flatMap(MessageHeaders::domainOf),
                leadingReturnPath(header));
    }

    /**
     * The length in bytes (with its CRLF and any folded lines) of a Return-Path field at the very
     * start of the message, else 0. Our SMTP server puts one there for local delivery (RFC 5321
     * 4.4); a relay must not pass it on, since the final delivery adds its own.
     */
    static int leadingReturnPath(byte[] header) {
        String prefix = "return-path:";
        if (header.length < prefix.length()
                || !new String(header, 0, prefix.length(), StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT).equals(prefix)) {
            return 0;
        }
        for (int i = 0; i < header.length; i++) {
            if (header[i] != '\n') continue;
            boolean folded = i + 1 < header.length && (header[i + 1] == ' ' || header[i + 1] == '\t');
            if (!folded) return i + 1;
        }
        return 0; // the whole header section is that one field: leave the message alone
    }

    /** The domain of the first address in a From field, lower-cased and as an A-label. */
    static Optional<String> domainOf(String fromValue) {
        Matcher m = ANGLE.matcher(fromValue);
        String address = m.find() ? m.group(1) : fromValue.strip().split("[\\s,]+")[0];
        int at = address.lastIndexOf('@');
        if (at < 0 || at == address.length() - 1) return Optional.empty();
        String domain = address.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        try {
            return Optional.of(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] headerSection(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int prev = -1;
        int prev2 = -1;
        int b;
        while (out.size() < MAX_BYTES && (b = in.read()) >= 0) {
            if (b == '\n' && (prev == '\n' || (prev == '\r' && prev2 == '\n'))) break;
            out.write(b);
            prev2 = prev;
            prev = b;
        }
        return out.toByteArray();
    }
}
