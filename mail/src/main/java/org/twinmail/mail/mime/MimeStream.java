package org.twinmail.mail.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.MailCharsets;

/**
 * A message's leaf parts one after another as they stream past, for checks that must not hold
 * a whole message in memory (the filters at end of DATA, on a spool file of up to the size
 * limit): mime4j's {@code MimeTokenStream}, recursing into multiparts and enclosed messages,
 * each leaf handed to a {@link Visitor} with its header and its body as a stream. A part's body
 * that the visitor does not read is skipped, not buffered. Where the byte offsets of parts are
 * needed (IMAP), {@link MimePart} is the structure instead.
 */
public final class MimeStream {
    /** Header fields per entity and header bytes per field beyond which the walk stops (a header bomb). */
    static final int MAX_HEADER_FIELDS = 10_000;
    static final int MAX_FIELD_BYTES = 1024 * 1024;

    private MimeStream() {
    }

    /** One leaf part, valid only during the {@link Visitor#part} call that receives it. */
    public static final class Part {
        private final int depth;
        private final Header header;
        private final BodyDescriptor descriptor;
        private final InputStream body;

        Part(int depth, Header header, BodyDescriptor descriptor, InputStream body) {
            this.depth = depth;
            this.header = header;
            this.descriptor = descriptor;
            this.body = body;
        }

        /** 0 for a single-part message, 1 for a part of its top multipart, and so on (enclosed messages count). */
        public int depth() {
            return depth;
        }

        /** The part's own header fields. */
        public Header header() {
            return header;
        }

        /** Media type, lower case ("text", "application"); text/plain when absent (RFC 2045 5.2). */
        public String type() {
            return descriptor.getMediaType();
        }

        /** Media subtype, lower case. */
        public String subtype() {
            return descriptor.getSubType();
        }

        /** The Content-Transfer-Encoding, lower case; "7bit" when absent. */
        public String encoding() {
            return TransferEncoding.normalize(descriptor.getTransferEncoding());
        }

        /** The charset of a text part (as {@link MimePart#charset()}). */
        public Charset charset() {
            return MailCharsets.forName(descriptor.getCharset(), StandardCharsets.UTF_8);
        }

        /** The body's octets as they are in the message (transfer encoding not undone), streamed. */
        public InputStream body() {
            return body;
        }

        /** The body with its transfer encoding undone, streamed; empty for an unknown encoding. */
        public Optional<InputStream> decodedBody() {
            return TransferEncoding.decode(body, encoding());
        }
    }

    /** Receives each leaf part in order. */
    @FunctionalInterface
    public interface Visitor {
        void part(Part part) throws IOException;
    }

    /**
     * Walks every leaf part of {@code message}. Broken MIME is read as mime4j reads it leniently
     * (a missing boundary ends the part at the end of its parent); returns false if the walk
     * stopped early at a limit (header bomb, nesting deeper than {@link MimePart#MAX_DEPTH}).
     * Throws only what reading {@code message} or the visitor throws.
     */
    public static boolean walk(InputStream message, Visitor visitor) throws IOException {
        MimeConfig config = MimeConfig.custom()
                .setStrictParsing(false)
                .setMaxLineLen(-1)
                .setMaxHeaderCount(MAX_HEADER_FIELDS)
                .setMaxHeaderLen(MAX_FIELD_BYTES)
                .setMaxContentLen(-1)
                .build();
        MimeTokenStream stream = new MimeTokenStream(config);
        stream.setRecursionMode(RecursionMode.M_RECURSE);
        stream.parse(message);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int depth = 0;
        try {
            for (EntityState state = stream.getState(); state != EntityState.T_END_OF_STREAM; state = stream.next()) {
                switch (state) {
                    case T_START_MESSAGE, T_START_BODYPART -> {
                        // the top message is entity 1; its leaf parts are at depth (entities open) - 1
                        if (++depth > MimePart.MAX_DEPTH + 1) return false;
                    }
                    case T_END_MESSAGE, T_END_BODYPART -> depth--;
                    case T_START_HEADER -> header.reset();
                    case T_FIELD -> {
                        Field f = stream.getField();
                        byte[] raw = f.getRaw() == null ? (f.getName() + ": " + f.getBody()).getBytes(StandardCharsets.UTF_8) : f.getRaw().toByteArray();
                        header.write(raw);
                        header.write('\r');
                        header.write('\n');
                    }
                    case T_BODY -> visitor.part(new Part(Math.max(0, depth - 1), Header.parse(header.toByteArray()), stream.getBodyDescriptor(), stream.getInputStream()));
                    default -> { }
                }
            }
        } catch (MimeException e) {
            return false; // a limit mime4j enforces (header count or size)
        }
        return true;
    }
}
