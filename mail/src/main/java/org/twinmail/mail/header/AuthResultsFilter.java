package org.twinmail.mail.header;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Removes, while a message is written through it, the Authentication-Results fields that claim
 * to come from us (RFC 8601 5: a border MTA that adds the field MUST remove, or rename, those
 * that carry its own authserv-id, or a sender could forge our verdict). Fields of other
 * servers, and everything after the header, pass unchanged.
 *
 * <p>Streaming with a bounded buffer: one header field at a time, at most {@link #MAX_FIELD}
 * bytes of it. The authserv-id comes first in the value, after optional CFWS (folding and
 * nested comments); an Authentication-Results field that does not show its authserv-id
 * within {@link #MAX_FIELD} bytes is removed too (no legitimate field hides it that deep,
 * and passing it would let padding defeat the check). Input is expected with CRLF line ends
 * (as SMTP's data reader writes it); bare LF ends a line as well.
 */
public final class AuthResultsFilter extends FilterOutputStream {
    /** Bytes of one field held while it is judged. */
    public static final int MAX_FIELD = 8192;
    private static final byte[] NAME = "authentication-results".getBytes(StandardCharsets.US_ASCII);

    private enum Mode { HOLD, PASS, DROP }

    private final String authservId;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private Mode mode = Mode.PASS;
    private boolean inBody;
    private boolean lineStart = true;

    /** @param authservId our authserv-id (the host name), compared ignoring case */
    public AuthResultsFilter(OutputStream out, String authservId) {
        super(out);
        this.authservId = authservId.toLowerCase(Locale.ROOT);
    }

    @Override
    public void write(int b) throws IOException {
        if (inBody) {
            out.write(b);
            return;
        }
        if (lineStart) {
            lineStart = false;
            if (b == '\r' || b == '\n') { // the empty line: the header ends
                endField();
                inBody = true;
                out.write(b);
                return;
            }
            if (b != ' ' && b != '\t') { // a new field (else a continuation of the current one)
                endField();
                mode = Mode.HOLD;
            }
        }
        switch (mode) {
            case PASS -> out.write(b);
            case DROP -> { }
            case HOLD -> {
                field.write(b);
                if (field.size() > MAX_FIELD) {
                    if (isAuthResults()) {
                        mode = Mode.DROP; // no authserv-id in sight: removed
                    } else {
                        field.writeTo(out);
                        mode = Mode.PASS;
                    }
                    field.reset();
                }
            }
        }
        if (b == '\n') lineStart = true;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int i = 0;
        while (i < len && !inBody) write(b[off + i++]);
        if (i < len) out.write(b, off + i, len - i);
    }

    /** Judges the held field: written unless it is an Authentication-Results field with our authserv-id. */
    private void endField() throws IOException {
        if (mode == Mode.HOLD && !(isAuthResults() && ours())) field.writeTo(out);
        field.reset();
        mode = Mode.PASS;
    }

    /**
     * The message is complete: a header without a body (no empty line) ends here, and its last
     * field is judged and written. The underlying stream stays open.
     */
    public void finish() throws IOException {
        if (!inBody) endField();
    }

    @Override
    public void close() throws IOException {
        finish();
        super.close();
    }

    private boolean isAuthResults() {
        byte[] f = field.toByteArray();
        if (f.length <= NAME.length) return false;
        for (int i = 0; i < NAME.length; i++) {
            if (Character.toLowerCase(f[i]) != NAME[i]) return false;
        }
        int i = NAME.length;
        while (i < f.length && (f[i] == ' ' || f[i] == '\t')) i++;
        return i < f.length && f[i] == ':';
    }

    /** Whether the held Authentication-Results field's authserv-id is ours. */
    private boolean ours() {
        String v = field.toString(StandardCharsets.ISO_8859_1);
        int i = v.indexOf(':') + 1;
        int depth = 0;
        while (i < v.length()) { // CFWS: white space, folding, comments (nested, with quoted pairs)
            char c = v.charAt(i);
            if (depth > 0) {
                if (c == '\\') i++;
                else if (c == '(') depth++;
                else if (c == ')') depth--;
            } else if (c == '(') {
                depth++;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                break;
            }
            i++;
        }
        if (depth > 0) return true; // an unclosed comment: malformed, not kept
        StringBuilder id = new StringBuilder();
        if (i < v.length() && v.charAt(i) == '"') {
            for (i++; i < v.length() && v.charAt(i) != '"'; i++) {
                if (v.charAt(i) == '\\') i++;
                if (i < v.length()) id.append(v.charAt(i));
            }
        } else {
            for (; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(') break;
                id.append(c);
            }
        }
        return id.toString().toLowerCase(Locale.ROOT).equals(authservId);
    }
}
