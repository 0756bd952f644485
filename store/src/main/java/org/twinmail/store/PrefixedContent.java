package org.twinmail.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.twinmail.core.mail.MessageData;

/**
 * A message with header fields prepended: one recipient's copy of a {@link Delivery} with
 * {@link Delivery.Recipient#headerFields()} (and its {@link Delivery.Recipient#rewrite()}, the
 * header section that replaces the original's). The original is read once here for the digest and
 * again when the copy is stored; nothing is held in memory but the prefix. Closing it leaves
 * the original open (the delivery owns it).
 */
public final class PrefixedContent implements MessageData {
    private final byte[] prefix;
    private final MessageData original;
    /** Octets of the original left out at its start (its header section, when rewritten). */
    private final long skip;
    private final String sha256;

    public PrefixedContent(List<String> headerFields, MessageData original) {
        this(headerFields, null, original);
    }

    /** With {@code rewrite} (may be null) in place of the original's header section, below the prepended fields. */
    public PrefixedContent(List<String> headerFields, Delivery.HeaderRewrite rewrite, MessageData original) {
        StringBuilder sb = new StringBuilder();
        for (String f : headerFields) sb.append(f).append("\r\n");
        byte[] fields = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (rewrite == null) {
            this.prefix = fields;
            this.skip = 0;
        } else {
            if (rewrite.bodyOffset() > original.size()) throw new IllegalArgumentException("body offset past the end of the message");
            byte[] header = rewrite.header();
            this.prefix = new byte[fields.length + header.length];
            System.arraycopy(fields, 0, prefix, 0, fields.length);
            System.arraycopy(header, 0, prefix, fields.length, header.length);
            this.skip = rewrite.bodyOffset();
        }
        this.original = original;
        this.sha256 = digest();
    }

    private String digest() {
        try (InputStream in = open()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public long size() {
        return prefix.length + original.size() - skip;
    }

    @Override
    public String sha256() {
        return sha256;
    }

    @Override
    public InputStream open() throws IOException {
        InputStream rest = original.open();
        try {
            rest.skipNBytes(skip);
        } catch (IOException | RuntimeException e) {
            rest.close();
            throw e;
        }
        return new SequenceInputStream(new ByteArrayInputStream(prefix), rest);
    }

    @Override
    public byte[] bytes() throws IOException {
        try (InputStream in = open()) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        // the original belongs to the delivery
    }
}
