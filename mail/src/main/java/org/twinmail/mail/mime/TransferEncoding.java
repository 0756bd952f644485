package org.twinmail.mail.mime;

import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

/**
 * Content-Transfer-Encoding (RFC 2045 6) undone as a stream, on mime4j's codecs: base64 and
 * quoted-printable decode leniently (bad characters skipped, never an exception); 7bit, 8bit and
 * binary pass through. Works on any stream, so a body is decoded as it is read, never copied whole.
 */
public final class TransferEncoding {
    private TransferEncoding() {
    }

    /** The encoding named by a Content-Transfer-Encoding value, lower case; "7bit" when absent. */
    public static String normalize(String value) {
        return value == null || value.isBlank() ? "7bit" : value.strip().toLowerCase(Locale.ROOT);
    }

    /** True for the encodings {@link #decode} knows. */
    public static boolean known(String encoding) {
        return switch (normalize(encoding)) {
            case "base64", "quoted-printable", "7bit", "8bit", "binary" -> true;
            default -> false;
        };
    }

    /** {@code in} with the encoding undone, or empty for an encoding we do not know (IMAP's [UNKNOWN-CTE]). */
    public static Optional<InputStream> decode(InputStream in, String encoding) {
        return switch (normalize(encoding)) {
            case "base64" -> Optional.of(new Base64InputStream(in, DecodeMonitor.SILENT));
            case "quoted-printable" -> Optional.of(new QuotedPrintableInputStream(in, DecodeMonitor.SILENT));
            case "7bit", "8bit", "binary" -> Optional.of(in);
            default -> Optional.empty();
        };
    }
}
