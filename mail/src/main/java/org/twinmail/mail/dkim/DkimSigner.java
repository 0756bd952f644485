package org.twinmail.mail.dkim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.MessageData;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * DKIM signing (RFC 6376) with rsa-sha256 and relaxed/relaxed canonicalization, written on the
 * JDK's {@link Signature} and {@link MessageDigest}. The body is hashed as it streams from the
 * message (a spooled 50 MB message is never held in memory); only the header section is read
 * into memory, up to {@link #MAX_HEADER_BYTES}.
 *
 * <p>Signed header fields: those of {@link #SIGNED_HEADERS} present in the message, each
 * instance (RFC 6376 5.4.2, bottom-up), plus one more {@code from} than there are From fields,
 * so that a From field added in transit breaks the signature (RFC 6376 8.15). Tags: v, a, c,
 * d, s, t, x (when a signature lifetime is configured), h, bh, b; never l=, which would let
 * anyone append content under the signature (RFC 6376 8.2).
 */
public final class DkimSigner implements MessageSigner {
    private static final Logger log = LoggerFactory.getLogger(DkimSigner.class);

    /** The header fields signed when present, in h= order. */
    public static final List<String> SIGNED_HEADERS = List.of("from", "to", "cc", "subject", "date", "message-id",
            "mime-version", "content-type", "reply-to", "in-reply-to", "references");
    /** A header section larger than this is not signed (the message still goes out); Postfix's header_size_limit is 100 KiB. */
    static final int MAX_HEADER_BYTES = 1024 * 1024;
    /** Folded signature lines stay under RFC 5322's recommended 78 characters. */
    private static final int LINE = 76;

    private final DkimKeys keys;
    private final Duration lifetime;
    private final Clock clock;

    /**
     * @param keys where the domains' keys are
     * @param signatureLifetime the x= tag is t= plus this; zero omits x=
     * @param clock source of t=
     */
    public DkimSigner(DkimKeys keys, Duration signatureLifetime, Clock clock) {
        if (signatureLifetime.isNegative()) throw new IllegalArgumentException("relay.dkim.signatureLifetime must not be negative");
        this.keys = keys;
        this.lifetime = signatureLifetime;
        this.clock = clock;
    }

    /** The signer {@code relay.dkim} describes, with keys under {@code <dataDir>/dkim}. */
    public static DkimSigner fromConfig(TwinmailConfig.Relay.Dkim dkim, Path dataDir) {
        return new DkimSigner(DkimKeys.fromConfig(dkim, dataDir), dkim.signatureLifetime, Clock.systemUTC());
    }

    public DkimKeys keys() {
        return keys;
    }

    @Override
    public Optional<String> signatureHeader(String signingDomain, MessageData message) throws IOException {
        Optional<DkimKeys.Key> key;
        try {
            key = keys.signingKey(signingDomain);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a domain name we could hold a key for
        }
        if (key.isEmpty()) return Optional.empty();
        try (InputStream in = new BufferedInputStream(message.open(), 65536)) {
            List<String> fields = readHeaderFields(in);
            if (fields == null) {
                log.warn("not DKIM-signing a message for {}: header section over {} bytes", signingDomain, MAX_HEADER_BYTES);
                return Optional.empty();
            }
            MessageDigest bodyHash = sha256();
            try (RelaxedBody body = new RelaxedBody(bodyHash)) {
                in.transferTo(body);
            }
            return Optional.of(sign(key.get(), fields, bodyHash.digest()));
        }
    }

    private String sign(DkimKeys.Key key, List<String> fields, byte[] bodyHash) throws IOException {
        // Which fields, in h= order: each name once per instance, the lowest instance first.
        List<String> names = new ArrayList<>();
        List<String> signed = new ArrayList<>();
        for (String name : SIGNED_HEADERS) {
            List<String> instances = new ArrayList<>();
            for (String f : fields) if (fieldName(f).equals(name)) instances.add(f);
            for (int i = instances.size() - 1; i >= 0; i--) {
                names.add(name);
                signed.add(instances.get(i));
            }
            if (name.equals("from")) names.add("from"); // over-signed: stands for "no further From"
        }

        long now = clock.instant().getEpochSecond();
        List<String> tags = new ArrayList<>(List.of("v=1", "a=rsa-sha256", "c=relaxed/relaxed", "d=" + key.domain(), "s=" + key.selector(), "t=" + now));
        if (!lifetime.isZero()) tags.add("x=" + (now + Math.max(1, lifetime.toSeconds())));
        StringBuilder header = new StringBuilder("DKIM-Signature:");
        int col = header.length();
        for (String t : tags) col = append(header, col, " " + t + ";");
        col = appendH(header, col, names);
        col = append(header, col, " bh=" + Base64.getEncoder().encodeToString(bodyHash) + ";");
        append(header, col, " b=");

        // RFC 6376 3.7: the signed fields, canonicalized, then this field with an empty b= and no CRLF.
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String f : signed) data.writeBytes(relaxedHeader(f).getBytes(StandardCharsets.ISO_8859_1));
        String self = relaxedHeader(header.toString());
        data.writeBytes(self.substring(0, self.length() - 2).getBytes(StandardCharsets.ISO_8859_1));
        byte[] signature;
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.privateKey());
            s.update(data.toByteArray());
            signature = s.sign();
        } catch (GeneralSecurityException e) {
            throw new IOException("DKIM signing with " + key.file() + " failed: " + e.getMessage(), e);
        }
        String b = Base64.getEncoder().encodeToString(signature);
        // b= on lines of its own; verifiers drop the folding whitespace inside it (RFC 6376 3.5).
        for (int i = 0; i < b.length(); i += LINE - 2) header.append("\r\n\t").append(b, i, Math.min(b.length(), i + LINE - 2));
        return header.append("\r\n").toString();
    }

    /** Appends {@code text}, first folding the line when it would grow past {@link #LINE}; returns the new column. */
    private static int append(StringBuilder b, int col, String text) {
        if (col + text.length() > LINE) {
            b.append("\r\n\t").append(text, 1, text.length()); // the fold replaces the leading space
            return 1 + text.length() - 1;
        }
        b.append(text);
        return col + text.length();
    }

    /** h= folded after colons, where RFC 6376 3.5 allows folding whitespace. */
    private static int appendH(StringBuilder b, int col, List<String> names) {
        col = append(b, col, " h=" + names.getFirst());
        for (int i = 1; i < names.size(); i++) {
            String next = ":" + names.get(i);
            if (col + next.length() + 1 > LINE) {
                b.append(":\r\n\t").append(names.get(i));
                col = 1 + names.get(i).length();
            } else {
                b.append(next);
                col += next.length();
            }
        }
        b.append(';');
        return col + 1;
    }

    /**
     * Reads the header section (up to the empty line, which is consumed) as fields, each with its
     * folding and final CRLF as it appears; octets are kept as ISO-8859-1 chars so that 8-bit
     * (SMTPUTF8) headers come out byte for byte. The section is the mail library's {@link Header}.
     * Null when the section exceeds {@link #MAX_HEADER_BYTES}.
     */
    static List<String> readHeaderFields(InputStream in) throws IOException {
        Header header = Header.read(in, MAX_HEADER_BYTES);
        if (header.truncated()) return null;
        List<String> fields = new ArrayList<>(header.fields().size());
        for (HeaderField f : header.fields()) fields.add(new String(header.bytes(f), StandardCharsets.ISO_8859_1));
        return fields;
    }

    /** The field's name in lower case (what precedes the colon, trailing whitespace dropped). */
    static String fieldName(String field) {
        int colon = field.indexOf(':');
        String name = colon < 0 ? field : field.substring(0, colon);
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * RFC 6376 3.4.2 relaxed header canonicalization: name in lower case, unfolded, runs of
     * whitespace as one space, none at the end of the value nor around the colon; ends in CRLF.
     */
    static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        String name = fieldName(field);
        String value = colon < 0 ? "" : field.substring(colon + 1);
        StringBuilder v = new StringBuilder(value.length());
        boolean space = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') continue; // unfolding: the CRLF goes, the WSP after it is collapsed below
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && !v.isEmpty()) v.append(' ');
            space = false;
            v.append(c);
        }
        return name + ":" + v + "\r\n";
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * RFC 6376 3.4.3 simple body canonicalization, streaming into a digest: the body as it is,
     * empty lines at the end dropped, ending in exactly one CRLF (an empty body is one CRLF).
     * Line ends as {@link RelaxedBody} reads them. Used by the verifier; we sign relaxed.
     */
    static final class SimpleBody extends OutputStream {
        private static final byte[] CRLF = {'\r', '\n'};
        private final MessageDigest digest;
        private long pendingLineEnds;
        private boolean pendingCr;
        private boolean inLine;
        private boolean any;

        SimpleBody(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    lineEnd();
                    return;
                }
                octet('\r');
            }
            switch (b) {
                case '\r' -> pendingCr = true;
                case '\n' -> lineEnd();
                default -> octet(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        private void lineEnd() {
            if (inLine) digest.update(CRLF); // a line with content ends at once; empty ones wait for content
            else pendingLineEnds++;
            inLine = false;
        }

        private void octet(int b) {
            for (; pendingLineEnds > 0; pendingLineEnds--) digest.update(CRLF);
            digest.update((byte) b);
            inLine = true;
            any = true;
        }

        @Override
        public void close() {
            if (pendingCr) {
                pendingCr = false;
                octet('\r');
            }
            if (inLine) digest.update(CRLF); // a last line without CRLF gets one
            else if (!any) digest.update(CRLF); // no content at all: the body is one CRLF
            inLine = false;
        }
    }

    /**
     * RFC 6376 3.4.4 relaxed body canonicalization, streaming into a digest: whitespace at line
     * ends dropped, runs of whitespace as one space, empty lines at the end dropped, and a
     * non-empty body ending in exactly one CRLF. Line ends are CRLF; a bare LF counts as one.
     * Empty lines are only counted, and written once content follows them, so the trailing ones
     * never reach the digest.
     */
    static final class RelaxedBody extends OutputStream {
        private static final byte[] CRLF = {'\r', '\n'};
        private final MessageDigest digest;
        private long pendingLineEnds;
        private boolean pendingSpace;
        private boolean pendingCr;
        private boolean content;

        RelaxedBody(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    lineEnd();
                    return;
                }
                octet('\r'); // a CR not before LF is ordinary content
            }
            switch (b) {
                case '\r' -> pendingCr = true;
                case '\n' -> lineEnd();
                case ' ', '\t' -> pendingSpace = true;
                default -> octet(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        private void lineEnd() {
            pendingSpace = false; // whitespace at the end of a line is ignored
            pendingLineEnds++;
        }

        private void octet(int b) {
            for (; pendingLineEnds > 0; pendingLineEnds--) digest.update(CRLF);
            if (pendingSpace) digest.update((byte) ' ');
            pendingSpace = false;
            digest.update((byte) b);
            content = true;
        }

        @Override
        public void close() {
            if (pendingCr) {
                pendingCr = false;
                octet('\r');
            }
            if (content) digest.update(CRLF); // the last line's CRLF; any empty lines after it are dropped
            content = false;
        }
    }
}
