package org.twinmail.smtp.data;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The trace fields we prepend to every accepted message (RFC 5321 4.4): Return-Path with
 * the envelope sender, and one Received line that says who handed us the message, how,
 * under which queue id and when.
 */
public final class TraceHeaders {

    /** RFC 5322 3.3 date-time with a numeric zone, English names whatever the JVM locale. */
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private TraceHeaders() {
    }

    /**
     * The "with" keyword of the Received line: SMTP after HELO, ESMTP after EHLO, UTF8SMTP when
     * the transaction used SMTPUTF8 (RFC 6531 4.3), each with S for TLS and A for an
     * authenticated client (RFC 3848): ESMTPSA for submission over TLS. The caller
     * passes what the session actually negotiated.
     */
    public static String protocol(boolean esmtp, boolean smtputf8, boolean tls, boolean authenticated) {
        if (!esmtp) return "SMTP"; // HELO: no extensions, hence neither STARTTLS nor AUTH nor SMTPUTF8
        return (smtputf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
    }

    /**
     * Builds {@code Return-Path} and {@code Received}, each ending in CRLF, ready to go in front
     * of the message content.
     *
     * @param reversePath  the envelope sender without brackets, empty for the null sender
     * @param helo         the HELO/EHLO argument (already checked: printable ASCII, no spaces)
     * @param clientName   the client's verified reverse-DNS name, or null if it has none
     * @param clientIp     the client's address
     * @param hostname     our name
     * @param protocol     from {@link #protocol}
     * @param queueId      this message's id
     * @param forRecipient the one recipient, or null when there are several (as Postfix does,
     *                     so a Received line never discloses a Bcc list)
     */
    public static byte[] build(String reversePath, String helo, String clientName, InetAddress clientIp,
                               String hostname, String protocol, String queueId, String forRecipient,
                               ZonedDateTime date) {
        StringBuilder b = new StringBuilder(256);
        b.append("Return-Path: <").append(reversePath).append(">\r\n");
        // TCP-info (RFC 5321 4.4) is "Domain address-literal" or just the literal when the
        // client has no verified name.
        String literal = addressLiteral(clientIp);
        String tcpInfo = clientName == null ? literal : clientName + " " + literal;
        b.append("Received: from ").append(helo).append(" (").append(tcpInfo).append(")\r\n")
                .append("\tby ").append(hostname).append(" (TwinMail) with ").append(protocol)
                .append(" id ").append(queueId);
        if (forRecipient != null) b.append("\r\n\tfor <").append(forRecipient).append('>');
        b.append(";\r\n\t").append(DATE.format(date)).append("\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 5321 4.1.3: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]} (IPv6 in RFC 5952 canonical form). */
    public static String addressLiteral(InetAddress ip) {
        if (ip instanceof Inet6Address) return "[IPv6:" + canonicalIpv6(ip.getAddress()) + "]";
        return "[" + ip.getHostAddress() + "]";
    }

    /** RFC 5952 4: lower-case hex, no leading zeros, the longest run of two or more zero groups as "::" (the first if tied). */
    static String canonicalIpv6(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
            i = j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!b.isEmpty() && b.charAt(b.length() - 1) != ':') b.append(':');
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }
}
