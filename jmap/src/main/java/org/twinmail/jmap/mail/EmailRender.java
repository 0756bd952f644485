package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.mime.MimePart;

/** Email and EmailBodyPart objects as Email/get (RFC 8621 4.1, 4.2) returns them. */
public final class EmailRender {
    public static final List<String> DEFAULT_PROPERTIES = List.of("id", "blobId", "threadId", "mailboxIds", "keywords", "size",
            "receivedAt", "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
            "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments");
    public static final List<String> DEFAULT_BODY_PROPERTIES = List.of("partId", "blobId", "size", "name", "type", "charset",
            "disposition", "cid", "language", "location");
    /** Properties read from the store and the summary alone (no parse of the whole message). */
    private static final Set<String> META = Set.of("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt");
    private static final Set<String> KNOWN = new LinkedHashSet<>(DEFAULT_PROPERTIES);

    static {
        KNOWN.addAll(List.of("headers", "bodyStructure"));
    }

    /** How bodyValues are fetched (Email/get arguments). */
    public record BodyOptions(List<String> bodyProperties, boolean text, boolean html, boolean all, long maxBytes) { }

    private EmailRender() {
    }

    /** Checks property names up front: an unknown one is invalidArguments (RFC 8620 5.1). */
    public static void check(List<String> properties) {
        for (String p : properties) {
            if (!KNOWN.contains(p) && !p.startsWith("header:")) throw MethodError.invalidArguments("unknown property " + p);
            if (p.startsWith("header:")) headerProperty(p);
        }
    }

    public static boolean needsParse(List<String> properties) {
        for (String p : properties) if (!META.contains(p)) return true;
        return false;
    }

    public static ObjectNode email(AccountView.Email e, List<String> properties, EmailSummary summary, ParsedMessage msg, BodyOptions opts) {
        ObjectNode o = Json.object();
        for (String p : properties) {
            switch (p) {
                case "id" -> o.put("id", e.id());
                case "blobId" -> o.put("blobId", Ids.blob(e.sha()));
                case "threadId" -> o.put("threadId", summary.threadId());
                case "mailboxIds" -> {
                    ObjectNode m = o.putObject("mailboxIds");
                    for (long id : e.mailboxIds()) m.put(Ids.mailbox(id), true);
                }
                case "keywords" -> {
                    ObjectNode k = o.putObject("keywords");
                    for (String kw : Keywords.keywords(e.flags())) k.put(kw, true);
                }
                case "size" -> o.put("size", e.size());
                case "receivedAt" -> o.put("receivedAt", ParsedMessage.utc(e.receivedAt()));
                case "messageId" -> o.set(p, header(msg, "Message-ID", "MessageIds", false));
                case "inReplyTo" -> o.set(p, header(msg, "In-Reply-To", "MessageIds", false));
                case "references" -> o.set(p, header(msg, "References", "MessageIds", false));
                case "sender", "from", "to", "cc", "bcc", "replyTo" -> o.set(p, header(msg, fieldName(p), "Addresses", false));
                case "subject" -> o.set(p, header(msg, "Subject", "Text", false));
                case "sentAt" -> o.set(p, header(msg, "Date", "Date", false));
                case "hasAttachment" -> o.put(p, summary.hasAttachment());
                case "preview" -> o.put(p, summary.preview());
                case "headers" -> o.set(p, headers(msg.header().fields()));
                case "bodyStructure" -> o.set(p, part(msg, msg.rootPart(), opts.bodyProperties()));
                case "textBody" -> o.set(p, parts(msg, msg.textBody(), opts.bodyProperties()));
                case "htmlBody" -> o.set(p, parts(msg, msg.htmlBody(), opts.bodyProperties()));
                case "attachments" -> o.set(p, parts(msg, msg.attachments(), opts.bodyProperties()));
                case "bodyValues" -> o.set(p, bodyValues(msg, opts));
                default -> {
                    HeaderProperty h = headerProperty(p);
                    o.set(p, header(msg.header().fields(), h.name(), h.form(), h.all()));
                }
            }
        }
        return o;
    }

    private static String fieldName(String property) {
        return switch (property) {
            case "replyTo" -> "Reply-To";
            default -> Character.toUpperCase(property.charAt(0)) + property.substring(1);
        };
    }

    record HeaderProperty(String name, String form, boolean all) { }

    /** {@code header:Name[:asForm][:all]} (RFC 8621 4.1.3). */
    static HeaderProperty headerProperty(String p) {
        String[] s = p.split(":", -1);
        if (s.length < 2 || s.length > 4 || s[1].isEmpty()) throw MethodError.invalidArguments("bad header property " + p);
        String form = "Raw";
        boolean all = false;
        for (int i = 2; i < s.length; i++) {
            if (s[i].equals("all") && i == s.length - 1) all = true;
            else if (s[i].startsWith("as") && i == 2) form = s[i].substring(2);
            else throw MethodError.invalidArguments("bad header property " + p);
        }
        if (!Set.of("Raw", "Text", "Addresses", "GroupedAddresses", "MessageIds", "Date", "URLs").contains(form)) {
            throw MethodError.invalidArguments("unknown header form " + form);
        }
        return new HeaderProperty(s[1], form, all);
    }

    private static JsonNode header(ParsedMessage msg, String name, String form, boolean all) {
        return header(msg.header().fields(), name, form, all);
    }

    static JsonNode header(List<HeaderField> fields, String name, String form, boolean all) {
        ArrayNode values = Json.array();
        for (HeaderField f : fields) if (f.is(name)) values.add(ParsedMessage.form(f.raw(), form));
        if (all) return values;
        return values.isEmpty() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : values.get(values.size() - 1);
    }

    private static ArrayNode headers(List<HeaderField> fields) {
        ArrayNode a = Json.array();
        for (HeaderField f : fields) {
            ObjectNode h = a.addObject();
            h.put("name", f.name());
            h.put("value", ParsedMessage.raw(f.raw()));
        }
        return a;
    }

    private static ArrayNode parts(ParsedMessage msg, List<ParsedMessage.Part> parts, List<String> props) {
        ArrayNode a = Json.array();
        for (ParsedMessage.Part p : parts) a.add(part(msg, p, props));
        return a;
    }

    static ObjectNode part(ParsedMessage msg, ParsedMessage.Part part, List<String> props) {
        MimePart m = part.mime();
        ObjectNode o = Json.object();
        boolean multipart = part.multipart();
        for (String p : props) {
            switch (p) {
                case "partId" -> {
                    if (multipart) o.putNull(p);
                    else o.put(p, part.partId());
                }
                case "blobId" -> {
                    if (multipart) o.putNull(p);
                    else o.put(p, Ids.blob(msg.sha256()) + "." + part.partId());
                }
                case "size" -> o.put(p, multipart ? 0 : decoded(m).length);
                case "headers" -> o.set(p, headers(m.fields()));
                case "name" -> {
                    String n = ParsedMessage.name(m);
                    if (n == null) o.putNull(p);
                    else o.put(p, n);
                }
                case "type" -> o.put(p, part.mediaType());
                case "charset" -> {
                    String cs = m.params().get("charset");
                    if (cs != null) o.put(p, cs);
                    else if (m.type().equalsIgnoreCase("text")) o.put(p, "us-ascii");
                    else o.putNull(p);
                }
                case "disposition" -> {
                    String d = ParsedMessage.disposition(m);
                    if (d == null) o.putNull(p);
                    else o.put(p, d);
                }
                case "cid" -> {
                    String cid = m.header("Content-ID");
                    if (cid == null) o.putNull(p);
                    else o.put(p, cid.strip().replaceAll("^<|>$", ""));
                }
                case "language" -> {
                    List<String> l = m.languages();
                    if (l.isEmpty()) o.putNull(p);
                    else o.set(p, Json.array(l));
                }
                case "location" -> {
                    String l = m.header("Content-Location");
                    if (l == null) o.putNull(p);
                    else o.put(p, l);
                }
                case "subParts" -> {
                    if (!multipart) continue;
                    ArrayNode subs = o.putArray(p);
                    for (ParsedMessage.Part s : part.subParts()) subs.add(part(msg, s, props));
                }
                default -> {
                    if (!p.startsWith("header:")) throw MethodError.invalidArguments("unknown body property " + p);
                    HeaderProperty h = headerProperty(p);
                    o.set(p, header(m.fields(), h.name(), h.form(), h.all()));
                }
            }
        }
        if (multipart && props.contains("subParts") && !o.has("subParts")) o.putArray("subParts");
        return o;
    }

    static byte[] decoded(MimePart m) {
        try (InputStream in = m.decodedBody().orElseGet(m::body)) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static ObjectNode bodyValues(ParsedMessage msg, BodyOptions opts) {
        ObjectNode o = Json.object();
        List<ParsedMessage.Part> parts = new ArrayList<>();
        if (opts.all()) {
            collectText(msg.rootPart(), parts);
        } else {
            if (opts.text()) parts.addAll(msg.textBody());
            if (opts.html()) parts.addAll(msg.htmlBody());
        }
        for (ParsedMessage.Part p : parts) {
            if (!p.mime().type().equalsIgnoreCase("text") || o.has(p.partId())) continue;
            String text = p.mime().text();
            boolean truncated = false;
            if (opts.maxBytes() > 0) {
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                if (utf8.length > opts.maxBytes()) {
                    int cut = (int) opts.maxBytes();
                    while (cut > 0 && (utf8[cut] & 0xC0) == 0x80) cut--; // not inside a UTF-8 sequence
                    text = new String(utf8, 0, cut, StandardCharsets.UTF_8);
                    truncated = true;
                }
            }
            ObjectNode v = o.putObject(p.partId());
            v.put("value", text);
            v.put("isEncodingProblem", text.indexOf('\uFFFD') >= 0);
            v.put("isTruncated", truncated);
        }
        return o;
    }

    private static void collectText(ParsedMessage.Part p, List<ParsedMessage.Part> out) {
        if (p.multipart()) {
            for (ParsedMessage.Part s : p.subParts()) collectText(s, out);
        } else if (p.mime().type().toLowerCase(Locale.ROOT).equals("text")) {
            out.add(p);
        }
    }
}
