package org.twinmail.jmap.mail;

import static org.twinmail.jmap.mail.MessageBuilder.line;
import static org.twinmail.jmap.mail.MessageBuilder.random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.twinmail.jmap.core.Json;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.MimePart;

/**
 * The MDN object of RFC 9007 and the message that carries it (RFC 8098): {@link #check} reads
 * an MDN/send object once, {@link #write} makes the {@code multipart/report;
 * report-type=disposition-notification} (a human-readable part, the
 * {@code message/disposition-notification} fields, the original message when asked), and
 * {@link #parse} reads such a message back into an MDN object for MDN/parse.
 */
public final class MdnReport {
    static final Set<String> ACTION_MODES = Set.of("manual-action", "automatic-action");
    static final Set<String> SENDING_MODES = Set.of("mdn-sent-manually", "mdn-sent-automatically");
    static final Set<String> TYPES = Set.of("deleted", "dispatched", "displayed", "processed");
    /** Set by the server; a client may not give them (RFC 9007 2). */
    static final List<String> SERVER_SET = List.of("mdnGateway", "originalRecipient", "originalMessageId", "error");

    private MdnReport() {
    }

    /** An MDN/send object that does not hold together: the property at fault. */
    static final class Invalid extends RuntimeException {
        final String property;

        Invalid(String property, String message) {
            super(message);
            this.property = property;
        }
    }

    /** What one MDN/send object asks for, checked. */
    record Request(String forEmailId, String subject, String textBody, boolean includeOriginalMessage, String reportingUA,
                   String actionMode, String sendingMode, String type, String finalRecipient, Map<String, String> extensionFields,
                   Set<String> given) { }

    static Request check(JsonNode m) {
        if (!m.isObject()) throw new Invalid("forEmailId", "an MDN is an object");
        for (String p : SERVER_SET) if (m.has(p) && !m.get(p).isNull()) throw new Invalid(p, p + " is set by the server");
        Set<String> known = Set.of("forEmailId", "subject", "textBody", "includeOriginalMessage", "reportingUA", "disposition",
                "finalRecipient", "extensionFields", "mdnGateway", "originalRecipient", "originalMessageId", "error");
        Set<String> given = new java.util.LinkedHashSet<>();
        m.fieldNames().forEachRemaining(given::add);
        for (String p : given) if (!known.contains(p)) throw new Invalid(p, "unknown property " + p);
        JsonNode id = m.get("forEmailId");
        if (id == null || !id.isTextual()) throw new Invalid("forEmailId", "forEmailId is required");
        String subject = text(m, "subject");
        String textBody = text(m, "textBody");
        String ua = text(m, "reportingUA");
        String finalRecipient = text(m, "finalRecipient");
        if (ua != null) headerText("reportingUA", ua);
        if (finalRecipient != null) headerText("finalRecipient", finalRecipient);
        JsonNode inc = m.get("includeOriginalMessage");
        if (inc != null && !inc.isNull() && !inc.isBoolean()) throw new Invalid("includeOriginalMessage", "includeOriginalMessage is a Boolean");
        JsonNode d = m.get("disposition");
        if (d == null || !d.isObject()) throw new Invalid("disposition", "disposition is required");
        String action = d.path("actionMode").asText("");
        String sending = d.path("sendingMode").asText("");
        String type = d.path("type").asText("");
        if (!ACTION_MODES.contains(action) || !SENDING_MODES.contains(sending) || !TYPES.contains(type)) {
            throw new Invalid("disposition", "disposition needs actionMode, sendingMode and type from RFC 9007 2");
        }
        Map<String, String> ext = new LinkedHashMap<>();
        JsonNode e = m.get("extensionFields");
        if (e != null && !e.isNull()) {
            if (!e.isObject()) throw new Invalid("extensionFields", "extensionFields is a String[String]");
            for (Map.Entry<String, JsonNode> f : e.properties()) {
                if (!f.getKey().matches("[A-Za-z0-9][A-Za-z0-9-]{0,75}") || !f.getValue().isTextual()) {
                    throw new Invalid("extensionFields", "bad extension field " + f.getKey());
                }
                ext.put(f.getKey(), headerText("extensionFields", f.getValue().asText()));
            }
        }
        return new Request(id.asText(), subject, textBody, inc != null && inc.asBoolean(false), ua, action, sending, type,
                finalRecipient, ext, given);
    }

    private static String text(JsonNode m, String p) {
        JsonNode v = m.get(p);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new Invalid(p, p + " is a String");
        return v.asText();
    }

    /** A value that goes into a header field as it is: printable, no line break. */
    private static String headerText(String property, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) throw new Invalid(property, property + " has no line breaks");
        }
        if (v.length() > 900) throw new Invalid(property, property + " is too long");
        return v.strip();
    }

    /** The message's parts as the sender of the MDN fills them in. */
    record Written(byte[] message, ObjectNode serverSet) { }

    /**
     * The MDN message for {@code original}, from {@code fromHeader} (the identity, as a From field
     * value) to {@code to} (the Disposition-Notification-To addresses).
     *
     * @param finalRecipient the identity's address, when the client gave none
     */
    static Written write(Request r, byte[] original, Header originalHeader, String fromHeader, List<String> to, String finalRecipient,
                         String hostname) {
        String originalSubject = originalHeader.first("Subject").map(HeaderField::decoded).orElse("").strip();
        String originalMessageId = originalHeader.first("Message-ID").map(f -> HeaderField.unfold(f.value()).strip()).orElse(null);
        String originalRecipient = originalHeader.first("Original-Recipient").map(f -> HeaderField.unfold(f.value()).strip()).orElse(null);
        String subject = r.subject() != null ? r.subject() : capitalized(r.type()) + ": " + originalSubject;
        String textBody = r.textBody() != null ? r.textBody()
                : "The message \"" + originalSubject + "\" was " + r.type() + " by its recipient " + finalRecipient + ".\r\n"
                + "This is no guarantee that the message was read or understood.\r\n";
        String fr = r.finalRecipient() != null ? r.finalRecipient() : "rfc822; " + finalRecipient;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String boundary = "=_mdn_" + HexFormat.of().formatHex(random(12));
        line(b, "From: " + fromHeader);
        line(b, "To: " + String.join(", ", to));
        line(b, "Subject: " + EncodedWords.encode(subject.replaceAll("[\\r\\n]+", " ")));
        line(b, "Date: " + MailDates.format(OffsetDateTime.now(ZoneOffset.UTC)));
        line(b, "Message-ID: <" + HexFormat.of().formatHex(random(12)) + "@" + hostname + ">");
        if (originalMessageId != null && originalMessageId.matches("<[^<>\\s]+>")) {
            line(b, "In-Reply-To: " + originalMessageId);
            line(b, "References: " + originalMessageId);
        }
        if (r.sendingMode().equals("mdn-sent-automatically")) line(b, "Auto-Submitted: auto-replied");
        line(b, "MIME-Version: 1.0");
        line(b, "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"" + boundary + "\"");
        line(b, "");
        line(b, "--" + boundary);
        line(b, "Content-Type: text/plain; charset=utf-8");
        line(b, "Content-Transfer-Encoding: quoted-printable");
        line(b, "");
        b.writeBytes(MessageBuilder.QuotedPrintable.encode(textBody.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
        line(b, "");
        line(b, "--" + boundary);
        line(b, "Content-Type: message/disposition-notification");
        line(b, "");
        if (r.reportingUA() != null) line(b, "Reporting-UA: " + r.reportingUA());
        if (originalRecipient != null) line(b, "Original-Recipient: " + originalRecipient);
        line(b, "Final-Recipient: " + fr);
        if (originalMessageId != null) line(b, "Original-Message-ID: " + originalMessageId);
        line(b, "Disposition: " + r.actionMode() + "/" + sendingModeField(r.sendingMode()) + "; " + r.type());
        r.extensionFields().forEach((k, v) -> line(b, k + ": " + v));
        line(b, "");
        if (r.includeOriginalMessage()) {
            line(b, "--" + boundary);
            line(b, "Content-Type: message/rfc822");
            line(b, "");
            b.writeBytes(original);
            if (original.length < 2 || original[original.length - 2] != '\r' || original[original.length - 1] != '\n') line(b, "");
        }
        line(b, "--" + boundary + "--");
        ObjectNode serverSet = Json.object();
        if (!r.given().contains("subject")) serverSet.put("subject", subject);
        if (!r.given().contains("textBody")) serverSet.put("textBody", textBody);
        if (!r.given().contains("includeOriginalMessage")) serverSet.put("includeOriginalMessage", r.includeOriginalMessage());
        if (!r.given().contains("reportingUA")) serverSet.putNull("reportingUA");
        if (!r.given().contains("finalRecipient")) serverSet.put("finalRecipient", fr);
        if (!r.given().contains("extensionFields")) serverSet.putNull("extensionFields");
        serverSet.putNull("mdnGateway");
        if (originalRecipient == null) serverSet.putNull("originalRecipient");
        else serverSet.put("originalRecipient", originalRecipient);
        if (originalMessageId == null) serverSet.putNull("originalMessageId");
        else serverSet.put("originalMessageId", originalMessageId);
        serverSet.putNull("error");
        return new Written(b.toByteArray(), serverSet);
    }

    /** RFC 8098 3.2.6.2 writes the sending mode with capitals ({@code MDN-sent-manually}); it is case-insensitive. */
    private static String sendingModeField(String mode) {
        return "MDN-" + mode.substring(4);
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * An MDN object from a message, or null when the message is no disposition notification
     * (no {@code message/disposition-notification} part under a {@code multipart/report}).
     * {@code forEmailId} is left for the caller, which knows the account's messages.
     */
    static ObjectNode parse(byte[] data) {
        MimePart root = MimePart.parse(data);
        MimePart report = findReport(root, 0);
        if (report == null) return null;
        MimePart text = null;
        MimePart notification = null;
        MimePart third = null;
        for (MimePart c : report.children()) {
            String t = (c.type() + "/" + c.subtype()).toLowerCase(Locale.ROOT);
            if (t.equals("message/disposition-notification")) notification = c;
            else if (notification == null && text == null && t.equals("text/plain")) text = c;
            else if (notification != null && third == null) third = c;
        }
        if (notification == null) return null;
        Header fields = Header.parse(data, notification.bodyStart(), notification.end());
        String disposition = value(fields, "Disposition");
        if (disposition == null) return null;
        ObjectNode o = Json.object();
        o.putNull("forEmailId");
        String subject = root.header("Subject");
        if (subject == null) o.putNull("subject");
        else o.put("subject", EncodedWords.decode(subject).strip());
        if (text == null) o.putNull("textBody");
        else o.put("textBody", text.text());
        o.put("includeOriginalMessage", third != null && (third.type() + "/" + third.subtype()).equalsIgnoreCase("message/rfc822"));
        put(o, "reportingUA", value(fields, "Reporting-UA"));
        o.set("disposition", disposition(disposition));
        put(o, "mdnGateway", value(fields, "MDN-Gateway"));
        put(o, "originalRecipient", value(fields, "Original-Recipient"));
        put(o, "finalRecipient", value(fields, "Final-Recipient"));
        put(o, "originalMessageId", value(fields, "Original-Message-ID"));
        List<String> errors = fields.all("Error").stream().map(f -> HeaderField.unfold(f.value()).strip()).toList();
        o.set("error", errors.isEmpty() ? null : Json.array(errors));
        Set<String> standard = Set.of("reporting-ua", "mdn-gateway", "original-recipient", "final-recipient", "original-message-id",
                "disposition", "error", "failure", "warning");
        ObjectNode ext = Json.object();
        for (HeaderField f : fields.fields()) {
            if (!standard.contains(f.name().toLowerCase(Locale.ROOT))) ext.put(f.name(), HeaderField.unfold(f.value()).strip());
        }
        o.set("extensionFields", ext.isEmpty() ? null : ext);
        return o;
    }

    private static MimePart findReport(MimePart p, int depth) {
        if (depth > 3) return null;
        if (p.isMultipart() && p.type().equalsIgnoreCase("multipart") && p.subtype().equalsIgnoreCase("report")) return p;
        for (MimePart c : p.children()) {
            MimePart r = findReport(c, depth + 1);
            if (r != null) return r;
        }
        return null;
    }

    /**
     * {@code action-mode/sending-mode; type[/modifiers]} (RFC 8098 3.2.6) as a Disposition object;
     * values are read case-insensitively and written in lower case.
     */
    static ObjectNode disposition(String field) {
        ObjectNode d = Json.object();
        String v = field.replaceAll("\\([^)]*\\)", "").strip();
        int semi = v.indexOf(';');
        String modes = semi < 0 ? v : v.substring(0, semi);
        String type = semi < 0 ? "" : v.substring(semi + 1).strip();
        int slash = modes.indexOf('/');
        d.put("actionMode", (slash < 0 ? modes : modes.substring(0, slash)).strip().toLowerCase(Locale.ROOT));
        d.put("sendingMode", (slash < 0 ? "" : modes.substring(slash + 1)).strip().toLowerCase(Locale.ROOT));
        int mod = type.indexOf('/');
        d.put("type", (mod < 0 ? type : type.substring(0, mod)).strip().toLowerCase(Locale.ROOT));
        return d;
    }

    private static String value(Header h, String name) {
        return h.first(name).map(f -> HeaderField.unfold(f.value()).strip()).orElse(null);
    }

    private static void put(ObjectNode o, String name, String v) {
        if (v == null) o.putNull(name);
        else o.put(name, v);
    }

}
