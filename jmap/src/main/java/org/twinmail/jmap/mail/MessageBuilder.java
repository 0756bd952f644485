package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.MailDates;

/**
 * Writes an RFC 5322 message from an Email object of Email/set create (RFC 8621 4.6): header
 * properties (from, to, subject, sentAt, header:X...), and a body from {@code textBody} /
 * {@code htmlBody} / {@code attachments} or {@code bodyStructure}, whose parts take their
 * content from {@code bodyValues} (by partId) or from uploaded blobs (by blobId). Text goes out
 * as UTF-8 quoted-printable, everything else as base64; non-ASCII header text as RFC 2047
 * encoded words.
 */
public final class MessageBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a create cannot be built: the SetError's type and the property at fault. */
    public static final class Invalid extends RuntimeException {
        final String property;

        Invalid(String property, String message) {
            super(message, null, false, false);
            this.property = property;
        }

        public String property() {
            return property;
        }
    }

    private final JsonNode email;
    private final Function<String, byte[]> blobs;
    private final String hostname;

    /** @param blobs the bytes of an uploaded blob by id, or null when there is none */
    public MessageBuilder(JsonNode email, Function<String, byte[]> blobs, String hostname) {
        this.email = email;
        this.blobs = blobs;
        this.hostname = hostname;
    }

    public byte[] build() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        List<String> written = new ArrayList<>();
        addresses(b, "From", "from", written);
        addresses(b, "Sender", "sender", written);
        addresses(b, "Reply-To", "replyTo", written);
        addresses(b, "To", "to", written);
        addresses(b, "Cc", "cc", written);
        addresses(b, "Bcc", "bcc", written);
        if (email.hasNonNull("subject")) field(b, "Subject", EncodedWords.encode(email.get("subject").asText()), written);
        OffsetDateTime sent = OffsetDateTime.now(ZoneOffset.UTC);
        if (email.hasNonNull("sentAt")) {
            try {
                sent = OffsetDateTime.parse(email.get("sentAt").asText());
            } catch (RuntimeException e) {
                throw new Invalid("sentAt", "sentAt is a Date");
            }
        }
        field(b, "Date", MailDates.format(sent), written);
        ids(b, "Message-ID", "messageId", written);
        ids(b, "In-Reply-To", "inReplyTo", written);
        ids(b, "References", "references", written);
        if (!email.hasNonNull("messageId")) {
            field(b, "Message-ID", "<" + HexFormat.of().formatHex(random(12)) + "@" + hostname + ">", written);
        }
        for (Map.Entry<String, JsonNode> e : email.properties()) {
            if (!e.getKey().startsWith("header:")) continue;
            String[] p = e.getKey().split(":");
            if (p.length != 2 || !e.getValue().isTextual()) throw new Invalid(e.getKey(), "only header:Name with a Raw string value can be set");
            String name = p[1];
            if (written.stream().anyMatch(w -> w.equalsIgnoreCase(name))) throw new Invalid(e.getKey(), name + " is set twice");
            String v = e.getValue().asText();
            if (v.contains("\r") || v.contains("\n")) throw new Invalid(e.getKey(), "a header value has no line breaks");
            field(b, name, v.strip(), written);
        }
        field(b, "MIME-Version", "1.0", written);
        Part body = body();
        write(b, body);
        return b.toByteArray();
    }

    private record Part(String type, Map<String, String> params, String disposition, String name, String cid, byte[] content,
                        boolean text, List<Part> subParts) { }

    private Part body() {
        if (email.hasNonNull("bodyStructure")) {
            if (email.has("textBody") || email.has("htmlBody") || email.has("attachments")) {
                throw new Invalid("bodyStructure", "bodyStructure and textBody/htmlBody/attachments exclude each other");
            }
            return part(email.get("bodyStructure"), "bodyStructure");
        }
        List<Part> text = parts("textBody");
        List<Part> html = parts("htmlBody");
        List<Part> attachments = parts("attachments");
        if (text.size() > 1 || html.size() > 1) throw new Invalid("textBody", "at most one text and one HTML body part");
        Part main;
        if (!text.isEmpty() && !html.isEmpty()) main = new Part("multipart/alternative", Map.of(), null, null, null, null, false, List.of(text.get(0), html.get(0)));
        else if (!text.isEmpty()) main = text.get(0);
        else if (!html.isEmpty()) main = html.get(0);
        else main = new Part("text/plain", Map.of(), null, null, null, new byte[0], true, List.of());
        if (attachments.isEmpty()) return main;
        List<Part> all = new ArrayList<>();
        all.add(main);
        all.addAll(attachments);
        return new Part("multipart/mixed", Map.of(), null, null, null, null, false, all);
    }

    private List<Part> parts(String property) {
        JsonNode list = email.get(property);
        if (list == null || list.isNull()) return List.of();
        if (!list.isArray()) throw new Invalid(property, property + " is a list of EmailBodyParts");
        List<Part> out = new ArrayList<>();
        for (JsonNode p : list) out.add(part(p, property));
        return out;
    }

    private Part part(JsonNode p, String property) {
        String type = p.path("type").asText(null);
        JsonNode subs = p.get("subParts");
        if (subs != null && subs.isArray()) {
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/")) throw new Invalid(property, "subParts need a multipart type");
            List<Part> children = new ArrayList<>();
            for (JsonNode s : subs) children.add(part(s, property));
            return new Part(type.toLowerCase(Locale.ROOT), Map.of(), null, null, null, null, false, children);
        }
        String partId = p.path("partId").asText(null);
        String blobId = p.path("blobId").asText(null);
        byte[] content;
        boolean text;
        if (partId != null) {
            JsonNode value = email.path("bodyValues").path(partId);
            if (!value.path("value").isTextual()) throw new Invalid(property, "no bodyValue for part " + partId);
            if (value.path("isTruncated").asBoolean(false) || value.path("isEncodingProblem").asBoolean(false)) {
                throw new Invalid("bodyValues", "a body value to write must not be truncated or an encoding problem");
            }
            content = value.get("value").asText().replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
            if (type == null) type = "text/plain";
            if (!type.toLowerCase(Locale.ROOT).startsWith("text/")) throw new Invalid(property, "a part from bodyValues is text");
            text = true;
        } else if (blobId != null) {
            content = blobs.apply(blobId);
            if (content == null) throw new Invalid("blobId", "no such blob " + blobId);
            if (type == null) type = "application/octet-stream";
            text = false;
        } else {
            throw new Invalid(property, "a part has a partId or a blobId");
        }
        if (!type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")) throw new Invalid(property, "bad type " + type);
        String disposition = p.path("disposition").asText(null);
        String name = p.path("name").asText(null);
        String cid = p.path("cid").asText(null);
        Map<String, String> params = text ? Map.of("charset", "utf-8") : Map.of();
        return new Part(type.toLowerCase(Locale.ROOT), params, disposition, name, cid, content, text, List.of());
    }

    private void write(ByteArrayOutputStream b, Part p) {
        if (p.subParts().isEmpty() && p.content() != null) {
            StringBuilder ct = new StringBuilder(p.type());
            p.params().forEach((k, v) -> ct.append("; ").append(k).append('=').append(v));
            if (p.name() != null) ct.append("; name=\"").append(quoted(EncodedWords.encode(p.name()))).append('"');
            line(b, "Content-Type: " + ct);
            if (p.disposition() != null || p.name() != null) {
                String d = p.disposition() == null ? "attachment" : p.disposition();
                if (!d.matches("[A-Za-z-]+")) d = "attachment";
                line(b, "Content-Disposition: " + d + (p.name() == null ? "" : "; filename=\"" + quoted(EncodedWords.encode(p.name())) + "\""));
            }
            if (p.cid() != null && p.cid().matches("[^<>\\s]+")) line(b, "Content-ID: <" + p.cid() + ">");
            if (p.text()) {
                line(b, "Content-Transfer-Encoding: quoted-printable");
                line(b, "");
                b.writeBytes(QuotedPrintable.encode(p.content()));
                line(b, "");
            } else {
                line(b, "Content-Transfer-Encoding: base64");
                line(b, "");
                String enc = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(p.content());
                b.writeBytes(enc.getBytes(StandardCharsets.US_ASCII));
                line(b, "");
            }
            return;
        }
        String boundary = "=_" + HexFormat.of().formatHex(random(12));
        line(b, "Content-Type: " + p.type() + "; boundary=\"" + boundary + "\"");
        line(b, "");
        for (Part s : p.subParts()) {
            line(b, "--" + boundary);
            write(b, s);
        }
        line(b, "--" + boundary + "--");
    }

    private static String quoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private void addresses(ByteArrayOutputStream b, String field, String property, List<String> written) {
        JsonNode list = email.get(property);
        if (list == null || list.isNull()) return;
        if (!list.isArray()) throw new Invalid(property, property + " is a list of EmailAddress");
        List<String> out = new ArrayList<>();
        for (JsonNode a : list) {
            String addr = a.path("email").asText("");
            if (!addr.matches("[^\\s<>@,;:\"]+@[^\\s<>@,;:\"]+")) throw new Invalid(property, "bad address " + addr);
            String name = a.path("name").asText(null);
            if (name == null || name.isBlank()) out.add(addr);
            else if (name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) out.add("\"" + quoted(name) + "\" <" + addr + ">");
            else out.add(EncodedWords.encode(name) + " <" + addr + ">");
        }
        if (!out.isEmpty()) field(b, field, String.join(", ", out), written);
    }

    private void ids(ByteArrayOutputStream b, String field, String property, List<String> written) {
        JsonNode list = email.get(property);
        if (list == null || list.isNull()) return;
        if (!list.isArray()) throw new Invalid(property, property + " is a list of message ids");
        List<String> out = new ArrayList<>();
        for (JsonNode id : list) {
            String s = id.asText("");
            if (!s.matches("[^\\s<>@]+@[^\\s<>@]+")) throw new Invalid(property, "bad message id " + s);
            out.add("<" + s + ">");
        }
        if (!out.isEmpty()) field(b, field, String.join(" ", out), written);
    }

    private static void field(ByteArrayOutputStream b, String name, String value, List<String> written) {
        written.add(name);
        line(b, name + ": " + value);
    }

    /** One header or body line and its CRLF, in UTF-8 (MdnReport writes its report with it too). */
    static void line(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {'\r', '\n'});
    }

    /** {@code n} random octets, for boundaries and Message-IDs. */
    public static byte[] random(int n) {
        byte[] r = new byte[n];
        RANDOM.nextBytes(r);
        return r;
    }

    /** RFC 2045 6.7 quoted-printable with CRLF line breaks kept as they are. */
    static final class QuotedPrintable {
        private QuotedPrintable() {
        }

        static byte[] encode(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 8);
            int col = 0;
            for (int i = 0; i < in.length; i++) {
                int c = in[i] & 0xff;
                if (c == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                    out.write('\r');
                    out.write('\n');
                    i++;
                    col = 0;
                    continue;
                }
                boolean lineEndSpace = (c == ' ' || c == '\t') && (i + 1 == in.length || in[i + 1] == '\r');
                boolean plain = c >= 33 && c <= 126 && c != '=' || (c == ' ' || c == '\t') && !lineEndSpace;
                int width = plain ? 1 : 3;
                if (col + width > 75) {
                    out.write('=');
                    out.write('\r');
                    out.write('\n');
                    col = 0;
                }
                if (plain) {
                    out.write(c);
                } else {
                    out.write('=');
                    out.write(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
                    out.write(Character.toUpperCase(Character.forDigit(c & 15, 16)));
                }
                col += width;
            }
            return out.toByteArray();
        }
    }

}
