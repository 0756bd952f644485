package org.twinmail.mail.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * A delivery status notification read back (RFC 3464): the {@code message/delivery-status}
 * part (or RFC 6533's {@code message/global-delivery-status}) of a {@code multipart/report;
 * report-type=delivery-status}, as the per-recipient blocks it holds. The blocks are header
 * sections separated by blank lines (RFC 3464 2.1), read with {@link Header}; the structure
 * with {@link MimePart}. Broken input gives {@link Optional#empty()} or fewer recipients, never
 * an exception.
 *
 * @param reportingMta the per-message block's {@code Reporting-MTA} value (type and name, unfolded), or "" when absent
 * @param recipients   the per-recipient blocks, in order
 */
public record DeliveryReport(String reportingMta, List<Recipient> recipients) {
    /** The most per-recipient blocks read: a report listing more is cut here. */
    static final int MAX_RECIPIENTS = 1000;

    /**
     * One per-recipient block (RFC 3464 2.3).
     *
     * @param finalRecipient the address of {@code Final-Recipient} without its type ({@code rfc822;}), as written
     * @param action         {@code failed}, {@code delayed}, {@code delivered}, {@code relayed} or {@code expanded}, lower case
     * @param status         the RFC 3463 code ({@code 5.1.1}), or "" when absent
     */
    public record Recipient(String finalRecipient, String action, String status) {
        public boolean failed() {
            return action.equals("failed");
        }
    }

    /** Whether some recipient failed (the report is a bounce, not only a delay or a success notice). */
    public boolean anyFailed() {
        return recipients.stream().anyMatch(Recipient::failed);
    }

    /** The report in {@code message}, or empty when it is not a delivery status notification. */
    public static Optional<DeliveryReport> parse(byte[] message) {
        MimePart root = MimePart.parse(message);
        MimePart status = statusPart(root);
        if (status == null) return Optional.empty();
        byte[] data;
        int from;
        int to;
        String encoding = status.encoding();
        if (encoding.equals("base64") || encoding.equals("quoted-printable")) {
            Optional<InputStream> decoded = status.decodedBody();
            if (decoded.isEmpty()) return Optional.empty();
            try (InputStream in = decoded.get()) {
                data = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            from = 0;
            to = data.length;
        } else {
            data = message;
            from = status.bodyStart();
            to = status.end();
        }
        List<Header> blocks = blocks(data, from, to);
        if (blocks.isEmpty()) return Optional.empty();
        String reportingMta = value(blocks.getFirst(), "Reporting-MTA");
        List<Recipient> recipients = new ArrayList<>();
        for (Header b : blocks.subList(1, blocks.size())) {
            String action = value(b, "Action").toLowerCase(Locale.ROOT);
            String finalRecipient = value(b, "Final-Recipient");
            if (action.isEmpty() || finalRecipient.isEmpty()) continue; // RFC 3464 2.3: both are required
            int semicolon = finalRecipient.indexOf(';');
            String address = semicolon >= 0 ? finalRecipient.substring(semicolon + 1).strip() : finalRecipient;
            String code = value(b, "Status");
            int space = code.indexOf(' ');
            recipients.add(new Recipient(address, action, space >= 0 ? code.substring(0, space) : code));
            if (recipients.size() == MAX_RECIPIENTS) break;
        }
        return Optional.of(new DeliveryReport(reportingMta, List.copyOf(recipients)));
    }

    /** The delivery-status part of the first {@code multipart/report} within the first levels, or null. */
    private static MimePart statusPart(MimePart p) {
        MimePart report = report(p, 0);
        if (report == null) return null;
        for (MimePart c : report.children()) {
            if (c.type().equalsIgnoreCase("message")
                    && (c.subtype().equalsIgnoreCase("delivery-status") || c.subtype().equalsIgnoreCase("global-delivery-status"))) {
                return c;
            }
        }
        return null;
    }

    private static MimePart report(MimePart p, int depth) {
        if (p.isMultipart() && p.subtype().equalsIgnoreCase("report")) {
            String reportType = p.params().get("report-type");
            return reportType != null && reportType.equalsIgnoreCase("delivery-status") ? p : null;
        }
        if (depth >= 3) return null;
        for (MimePart c : p.children()) {
            MimePart r = report(c, depth + 1);
            if (r != null) return r;
        }
        return null;
    }

    /** The blank-line separated field blocks of {@code data[from, to)}; blank lines in a row are one separator. */
    private static List<Header> blocks(byte[] data, int from, int to) {
        List<Header> out = new ArrayList<>();
        int at = from;
        while (at < to && out.size() <= MAX_RECIPIENTS) {
            Header h = Header.parse(data, at, to);
            if (!h.fields().isEmpty()) out.add(h);
            int next = h.bodyStart();
            if (next <= at) break;
            at = next;
        }
        return out;
    }

    private static String value(Header h, String name) {
        return h.first(name).map(f -> HeaderField.unfold(f.value()).strip()).orElse("");
    }
}
