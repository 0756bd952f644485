package org.twinmail.core.mail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An output stream that collects a message while it arrives: in memory up to
 * {@code memoryLimit} bytes, then in a temporary file under {@code spoolDir}.
 * {@link #finish()} turns it into {@link MessageData}. Used by every protocol
 * that receives messages (SMTP DATA/BDAT, IMAP APPEND).
 */
public final class MessageSpool extends OutputStream {
    private final Path spoolDir;
    private final int memoryLimit;
    private final MessageDigest digest;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;
    private boolean finished;

    public MessageSpool(Path spoolDir, int memoryLimit) {
        this.spoolDir = spoolDir;
        this.memoryLimit = memoryLimit;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MessageData of(byte[] content) {
        MessageSpool s = new MessageSpool(null, Integer.MAX_VALUE);
        s.write(content, 0, content.length);
        return s.finish();
    }

    public long size() {
        return size;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (finished) throw new IllegalStateException("spool already finished");
        digest.update(b, off, len);
        size += len;
        try {
            if (fileOut == null && memory.size() + len > memoryLimit) {
                Files.createDirectories(spoolDir);
                file = Files.createTempFile(spoolDir, "msg-", ".spool");
                fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 65536);
                memory.writeTo(fileOut);
                memory = null;
            }
            if (fileOut != null) fileOut.write(b, off, len);
            else memory.write(b, off, len);
        } catch (IOException e) {
            discard();
            throw new UncheckedIOException("cannot spool message", e);
        }
    }

    /** Abandons the content (client went away, message refused). */
    public void discard() {
        finished = true;
        closeFile();
        if (file != null) {
            try { Files.deleteIfExists(file); } catch (IOException ignored) { }
        }
        memory = null;
    }

    public MessageData finish() {
        if (finished) throw new IllegalStateException("spool already finished");
        finished = true;
        closeFile();
        String hash = HexFormat.of().formatHex(digest.digest());
        long total = size;
        if (file == null) {
            byte[] bytes = memory.toByteArray();
            memory = null;
            return new MessageData() {
                public long size() { return total; }
                public String sha256() { return hash; }
                public InputStream open() { return new ByteArrayInputStream(bytes); }
                public byte[] bytes() { return bytes; }
                public void close() { }
            };
        }
        Path f = file;
        return new MessageData() {
            public long size() { return total; }
            public String sha256() { return hash; }
            public InputStream open() throws IOException { return Files.newInputStream(f); }
            public byte[] bytes() throws IOException { return Files.readAllBytes(f); }
            public void close() { try { Files.deleteIfExists(f); } catch (IOException ignored) { } }
        };
    }

    private void closeFile() {
        if (fileOut != null) {
            try { fileOut.close(); } catch (IOException ignored) { }
            fileOut = null;
        }
    }
}
