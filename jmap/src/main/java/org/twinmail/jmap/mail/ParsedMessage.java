package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.twinmail.jmap.core.Json;
import org.twinmail.mail.address.Address;
import org.twinmail.mail.address.AddressList;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Group;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.header.MessageIds;
import org.twinmail.mail.mime.HtmlText;
import org.twinmail.mail.mime.MimePart;

/**
 * One message parsed for JMAP (RFC 8621 4.1): its MIME tree with part ids, the text, HTML and
 * attachment lists of 4.1.4, and the header field forms of 4.1.2 (Raw, Text, Addresses,
 * GroupedAddresses, MessageIds, Date, URLs). Every parse goes through the mail library.
 */
public final class ParsedMessage {
    /** Longest preview (RFC 8621: at most 256 characters). */
    static final int PREVIEW = 256;

    private final String sha256;
    private final MimePart root;
    private final List<Part> textBody = new ArrayList<>();
    private final List<Part> htmlBody = new ArrayList<>();
    private final List<Part> attachments = new ArrayList<>();
    private final Part rootPart;

    /** A body part with its id ("1", "1.2", IMAP-style section numbers; the root of a single-part message is "1"). */
    public record Part(String partId, MimePart mime, List<Part> subParts) {
        boolean multipart() {
            return mime.isMultipart();
        }

        String mediaType() {
            return (mime.type() + "/" + mime.subtype()).toLowerCase(Locale.ROOT);
        }
    }

    public ParsedMessage(String sha256, byte[] data) {
        this.sha256 = sha256;
        this.root = MimePart.parse(data);
        this.rootPart = tree(root, root.isMultipart() ? "" : "1");
        structure(List.of(rootPart), "mixed", false, htmlBody, textBody, attachments);
    }

    private static Part tree(MimePart p, String id) {
        if (!p.isMultipart()) return new Part(id, p, List.of());
        List<Part> subs = new ArrayList<>();
        int n = 1;
        for (MimePart c : p.children()) subs.add(tree(c, id.isEmpty() ? String.valueOf(n++) : id + "." + n++));
        return new Part(id.isEmpty() ? null : id, p, subs);
    }

    /** RFC 8621 4.1.4's parseStructure, as the RFC writes it. */
    private static void structure(List<Part> parts, String multipartType, boolean inAlternative,
                                  List<Part> htmlBody, List<Part> textBody, List<Part> attachments) {
        int textLength = textBody == null ? -1 : textBody.size();
        int htmlLength = htmlBody == null ? -1 : htmlBody.size();
        for (int i = 0; i < parts.size(); i++) {
            Part part = parts.get(i);
            String type = part.mediaType();
            boolean isMultipart = part.multipart();
            boolean isInline = !"attachment".equals(disposition(part.mime()))
                    && (type.equals("text/plain") || type.equals("text/html") || inlineMedia(type))
                    && (i == 0 || (!multipartType.equals("related") && (inlineMedia(type) || name(part.mime()) == null)));
            if (isMultipart) {
                String sub = part.mime().subtype().toLowerCase(Locale.ROOT);
                structure(part.subParts(), sub, inAlternative || sub.equals("alternative"), htmlBody, textBody, attachments);
            } else if (isInline) {
                if (multipartType.equals("alternative")) {
                    switch (type) {
                        case "text/plain" -> textBody.add(part);
                        case "text/html" -> htmlBody.add(part);
                        default -> attachments.add(part);
                    }
                    continue;
                } else if (inAlternative) {
                    if (type.equals("text/plain")) htmlBody = null;
                    if (type.equals("text/html")) textBody = null;
                }
                if (textBody != null) textBody.add(part);
                if (htmlBody != null) htmlBody.add(part);
                if ((textBody == null || htmlBody == null) && inlineMedia(type)) attachments.add(part);
            } else {
                attachments.add(part);
            }
        }
        if (multipartType.equals("alternative") && textBody != null && htmlBody != null) {
            if (textLength == textBody.size() && htmlLength != htmlBody.size()) {
                textBody.addAll(new ArrayList<>(htmlBody.subList(htmlLength, htmlBody.size())));
            }
            if (htmlLength == htmlBody.size() && textLength != textBody.size()) {
                htmlBody.addAll(new ArrayList<>(textBody.subList(textLength, textBody.size())));
            }
        }
    }

    private static boolean inlineMedia(String type) {
        return type.startsWith("image/") || type.startsWith("audio/") || type.startsWith("video/");
    }

    static String disposition(MimePart p) {
        Map.Entry<String, Map<String, String>> d = p.disposition();
        return d == null ? null : d.getKey();
    }

    /** The part's file name: Content-Disposition's filename, else Content-Type's name (RFC 2231/2047 decoded), or null. */
    static String name(MimePart p) {
        Map.Entry<String, Map<String, String>> d = p.disposition();
        String n = d == null ? null : d.getValue().get("filename");
        if (n == null) n = p.params().get("name");
        return n == null ? null : EncodedWords.decode(n);
    }

    public String sha256() {
        return sha256;
    }

    public MimePart root() {
        return root;
    }

    public Header header() {
        return root.headerSection();
    }

    public List<Part> textBody() {
        return textBody;
    }

    public List<Part> htmlBody() {
        return htmlBody;
    }

    public List<Part> attachments() {
        return attachments;
    }

    public Part rootPart() {
        return rootPart;
    }

    /** The leaf part with id {@code partId}, or null. */
    public Part part(String partId) {
        return find(rootPart, partId);
    }

    private static Part find(Part p, String id) {
        if (id.equals(p.partId()) && !p.multipart()) return p;
        for (Part s : p.subParts()) {
            Part f = find(s, id);
            if (f != null) return f;
        }
        return null;
    }

    /** The facts Email/query sorts and filters by, kept per content address. */
    public EmailSummary summary() {
        Header h = header();
        String subject = h.first("Subject").map(HeaderField::decoded).orElse("");
        List<String> messageId = ids(h, "Message-ID");
        List<String> inReplyTo = ids(h, "In-Reply-To");
        List<String> references = ids(h, "References");
        OffsetDateTime sent = h.first("Date").flatMap(f -> MailDates.parse(f.value())).orElse(null);
        String root = !references.isEmpty() ? references.getFirst()
                : !inReplyTo.isEmpty() ? inReplyTo.getFirst()
                : !messageId.isEmpty() ? messageId.getFirst() : "sha:" + sha256;
        Map<String, String> search = new java.util.HashMap<>();
        search.put("subject", org.twinmail.search.MessageText.fold(String.join("\n", org.twinmail.search.MessageText.fields(this.root, "Subject"))));
        for (String f : List.of("From", "To", "Cc", "Bcc")) {
            search.put(f.toLowerCase(Locale.ROOT), String.join("\n", org.twinmail.search.MessageText.addresses(this.root, f)));
        }
        return new EmailSummary(subject, addresses(h, "From"), addresses(h, "To"), addresses(h, "Cc"), addresses(h, "Bcc"),
                messageId, inReplyTo, references, sent, !attachments.isEmpty(), preview(), Ids.thread(root), Map.copyOf(search));
    }

    private static List<String> ids(Header h, String name) {
        return h.first(name).map(f -> MessageIds.parse(f.value())).orElse(List.of());
    }

    private static List<Mailbox> addresses(Header h, String name) {
        List<Mailbox> out = new ArrayList<>();
        for (HeaderField f : h.all(name)) out.addAll(AddressParser.parse(f.value()).mailboxes());
        return out;
    }

    /** Up to 256 characters of the first text part, whitespace collapsed (HTML with its tags dropped). */
    String preview() {
        for (Part p : textBody) {
            String type = p.mediaType();
            if (!type.startsWith("text/")) continue;
            String text = p.mime().text();
            if (type.equals("text/html")) text = HtmlText.of(text);
            String s = text.replaceAll("\\s+", " ").strip();
            if (!s.isEmpty()) return s.length() > PREVIEW ? s.substring(0, PREVIEW) : s;
        }
        return "";
    }

    /** The decoded text of every text part (text/plain, and text/html without its tags), for text filters. */
    public String bodyText() {
        StringBuilder b = new StringBuilder();
        for (MimePart leaf : root.leaves()) {
            String type = (leaf.type() + "/" + leaf.subtype()).toLowerCase(Locale.ROOT);
            if (type.equals("text/plain")) b.append(leaf.text()).append('\n');
            else if (type.equals("text/html")) b.append(HtmlText.of(leaf.text())).append('\n');
        }
        return b.toString();
    }

    // ---- header forms (RFC 8621 4.1.2) ----

    /** A header value in {@code form}; {@code raw} is the field's value as written (after the colon). */
    public static JsonNode form(String raw, String form) {
        String value = HeaderField.unfold(raw).strip();
        return switch (form) {
            case "Raw" -> Json.valueOf(raw(raw));
            case "Text" -> Json.valueOf(EncodedWords.decode(value));
            case "Addresses" -> addresses(AddressParser.parse(value));
            case "GroupedAddresses" -> grouped(AddressParser.parse(value));
            case "MessageIds" -> {
                List<String> ids = MessageIds.parse(value);
                yield ids.isEmpty() ? JsonNodeFactory.instance.nullNode() : Json.array(ids);
            }
            case "Date" -> MailDates.parse(value).<JsonNode>map(d -> Json.valueOf(dateTime(d)))
                    .orElse(JsonNodeFactory.instance.nullNode());
            case "URLs" -> urls(value);
            default -> throw new IllegalArgumentException(form);
        };
    }

    /** The value as written, without the field's final line break (RFC 8621 4.1.2.1). */
    public static String raw(String raw) {
        int end = raw.length();
        if (end > 0 && raw.charAt(end - 1) == '\n') end--;
        if (end > 0 && raw.charAt(end - 1) == '\r') end--;
        return raw.substring(0, end);
    }

    public static ArrayNode addresses(AddressList list) {
        ArrayNode a = Json.array();
        for (Mailbox m : list.mailboxes()) a.add(address(m));
        return a;
    }

    public static ArrayNode addresses(List<Mailbox> list) {
        ArrayNode a = Json.array();
        for (Mailbox m : list) a.add(address(m));
        return a;
    }

    static ObjectNode address(Mailbox m) {
        ObjectNode o = Json.object();
        if (m.name() == null) o.putNull("name");
        else o.put("name", m.name());
        o.put("email", m.address());
        return o;
    }

    private static ArrayNode grouped(AddressList list) {
        ArrayNode a = Json.array();
        ObjectNode loose = null;
        for (Address x : list.addresses()) {
            if (x instanceof Group g) {
                loose = null;
                ObjectNode o = Json.object();
                o.put("name", g.name());
                o.set("addresses", addresses(g.members()));
                a.add(o);
            } else if (x instanceof Mailbox m) {
                if (loose == null) {
                    loose = Json.object();
                    loose.putNull("name");
                    loose.set("addresses", Json.array());
                    a.add(loose);
                }
                ((ArrayNode) loose.get("addresses")).add(address(m));
            }
        }
        return a;
    }

    private static JsonNode urls(String value) {
        ArrayNode a = Json.array();
        int i = 0;
        while ((i = value.indexOf('<', i)) >= 0) {
            int end = value.indexOf('>', i);
            if (end < 0) break;
            a.add(value.substring(i + 1, end).replaceAll("\\s", ""));
            i = end + 1;
        }
        return a.isEmpty() ? JsonNodeFactory.instance.nullNode() : a;
    }

    /** RFC 3339 date-time as RFC 8621's Date form writes it (the offset as sent). */
    public static String dateTime(OffsetDateTime d) {
        return d.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** UTCDate (RFC 8620 1.4): "Z", no fraction. */
    public static String utc(java.time.Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }
}
