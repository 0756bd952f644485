package org.twinmail.sms.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.sms.notice.MailNotice;

/**
 * One SMS of the queue, the value of a record {@value SmsQueue#OUT} (while it waits or is being
 * sent) or {@value SmsQueue#DONE} (once final). UTF-8 JSON, owned by this module.
 *
 * @param purpose   a notice of new mail, a verification code, or an answer to a reply by SMS
 * @param phone     the number it goes to (E.164)
 * @param text      the text, for codes and answers; empty for a notice (written when it is sent,
 *                  for the gateway that sends it: the reference goes into the text only when the
 *                  gateway cannot put it into the source address)
 * @param notice    for a notice: what it says and what a reply needs; else null
 * @param language  the notice's language ({@code en}, {@code zh})
 * @param zone      the user's time zone
 * @param ref       the reference a reply is matched by ("" for codes and answers)
 * @param state     where it is
 * @param created   when it was queued (epoch ms)
 * @param next      when it is due (epoch ms)
 * @param attempts  submissions tried so far
 * @param expires   when it is given up if still not sent (epoch ms)
 * @param gateway   the gateway its parts went to ("" before the first)
 * @param messageIds the SMSC's message ids of the parts submitted so far, in order
 * @param delivered parts the SMSC reported delivered
 * @param error     the last failure, "" if none
 */
public record SmsItem(Purpose purpose, String phone, String text, MailNotice notice, String language, String zone, String ref,
                      State state, long created, long next, int attempts, long expires, String gateway, List<String> messageIds,
                      int delivered, String error) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Purpose { NOTICE, CODE, ANSWER, ALERT }

    /**
     * The states: queued (waiting, or waiting again after a failed attempt), sending (parts are
     * being submitted: entered durably before the first submit of each attempt), sent (every part
     * taken by the SMSC), delivered (every part's receipt says so), failed (refused for good, or a
     * receipt said undeliverable), expired (still not sent when it expired), unknown (a submit got
     * no answer: it is not sent again, so it is never sent twice).
     */
    public enum State {
        QUEUED, SENDING, SENT, DELIVERED, FAILED, EXPIRED, UNKNOWN;

        public boolean pending() {
            return this == QUEUED || this == SENDING;
        }

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SmsItem {
        messageIds = List.copyOf(messageIds);
        if (text == null) text = "";
        if (ref == null) ref = "";
        if (gateway == null) gateway = "";
        if (error == null) error = "";
    }

    public SmsItem with(State s, long nextAt, int attemptCount, String gw, List<String> ids, int deliveredParts, String err) {
        return new SmsItem(purpose, phone, text, notice, language, zone, ref, s, created, nextAt, attemptCount, expires, gw, ids,
                deliveredParts, err);
    }

    public SmsItem withState(State s, String err) {
        return with(s, next, attempts, gateway, messageIds, delivered, err);
    }

    public byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("purpose", purpose.name().toLowerCase(Locale.ROOT)).put("phone", phone).put("text", text);
        if (notice != null) {
            ObjectNode m = n.putObject("notice");
            m.put("senderName", notice.senderName()).put("senderAddress", notice.senderAddress()).put("replyTo", notice.replyTo())
                    .put("subject", notice.subject()).put("received", notice.received().toEpochMilli()).put("summary", notice.summary())
                    .put("messageId", notice.messageId());
            ArrayNode refs = m.putArray("references");
            notice.references().forEach(refs::add);
        }
        n.put("language", language).put("zone", zone).put("ref", ref).put("state", state.text()).put("created", created)
                .put("next", next).put("attempts", attempts).put("expires", expires).put("gateway", gateway);
        ArrayNode ids = n.putArray("messageIds");
        messageIds.forEach(ids::add);
        n.put("delivered", delivered).put("error", error);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static SmsItem decode(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            MailNotice notice = null;
            JsonNode m = n.get("notice");
            if (m != null && m.isObject()) {
                List<String> refs = new ArrayList<>();
                m.path("references").forEach(x -> refs.add(x.asText()));
                notice = new MailNotice(m.path("senderName").asText(""), m.path("senderAddress").asText(""), m.path("replyTo").asText(""),
                        m.path("subject").asText(""), Instant.ofEpochMilli(m.path("received").asLong()), m.path("summary").asText(""),
                        m.path("messageId").asText(""), refs);
            }
            List<String> ids = new ArrayList<>();
            n.path("messageIds").forEach(x -> ids.add(x.asText()));
            return new SmsItem(Purpose.valueOf(n.path("purpose").asText("notice").toUpperCase(Locale.ROOT)), n.path("phone").asText(""),
                    n.path("text").asText(""), notice, n.path("language").asText("en"), n.path("zone").asText("UTC"), n.path("ref").asText(""),
                    State.valueOf(n.path("state").asText("queued").toUpperCase(Locale.ROOT)), n.path("created").asLong(), n.path("next").asLong(),
                    n.path("attempts").asInt(), n.path("expires").asLong(), n.path("gateway").asText(""), ids, n.path("delivered").asInt(),
                    n.path("error").asText(""));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not an SMS queue item: " + e.getMessage(), e);
        }
    }
}
