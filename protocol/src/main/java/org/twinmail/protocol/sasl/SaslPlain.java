package org.twinmail.protocol.sasl;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The PLAIN mechanism (RFC 4616): base64 of {@code authzid NUL authcid NUL passwd}.
 * Shared by SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE.
 */
public final class SaslPlain {
    private SaslPlain() {}

    /** A decoded response. {@code authzid} is empty when the client asks to act as itself. */
    public record Credentials(String authzid, String authcid, char[] password) { }

    /** Malformed client response: the protocol answers with its "bad syntax" reply. */
    public static final class MalformedResponse extends Exception {
        public MalformedResponse(String message) {
            super(message);
        }
    }

    public static Credentials decode(String base64) throws MalformedResponse {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new MalformedResponse("not valid base64");
        }
        int first = indexOf(raw, 0);
        int second = first < 0 ? -1 : indexOf(raw, first + 1);
        if (first < 0 || second < 0 || indexOf(raw, second + 1) >= 0) {
            throw new MalformedResponse("PLAIN response must be authzid NUL authcid NUL password");
        }
        String authz = new String(raw, 0, first, StandardCharsets.UTF_8);
        String authc = new String(raw, first + 1, second - first - 1, StandardCharsets.UTF_8);
        char[] pw = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw, second + 1, raw.length - second - 1)).toString().toCharArray();
        java.util.Arrays.fill(raw, (byte) 0);
        if (authc.isEmpty() || pw.length == 0) throw new MalformedResponse("empty user name or password");
        return new Credentials(authz, authc, pw);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }
}
