package org.twinmail.core.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A user's SMS settings (docs/sms.md), the value of the record {@value SmsRecords#SETTINGS}
 * in the account's scope: written by the admin operations, read by the {@code sms} module, so
 * the format lives here where both reach it (as the administrator's policy does).
 *
 * @param phone         the phone number in E.164 ({@code +} and 7 to 15 digits), empty for none
 * @param verifiedPhone the number a code sent to it was confirmed for; a notice goes out only
 *                      when it equals {@code phone}
 * @param enabled       whether notices are sent at all
 * @param trigger       which mail notifies
 * @param senders       for {@link Trigger#SENDERS}: addresses or domains (lower case)
 * @param alias         for {@link Trigger#ALIAS}: the address the mail must have been sent to
 * @param quietFrom     start of the quiet hours in the user's zone (null: none)
 * @param quietTo       end of the quiet hours (exclusive)
 * @param zone          the user's time zone (an IANA name)
 * @param dailyCap      notices per day in the user's zone at most (0: none)
 * @param language      the notice's language: {@code en} or {@code zh}
 */
public record SmsSettings(String phone, String verifiedPhone, boolean enabled, Trigger trigger, List<String> senders, String alias,
                          LocalTime quietFrom, LocalTime quietTo, String zone, int dailyCap, String language) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    /** The daily cap of a user who set none. */
    public static final int DEFAULT_DAILY_CAP = 50;

    /** Which mail triggers a notice. */
    public enum Trigger {
        /** Every message delivered that is not spam, virus-flagged or bulk. */
        ALL,
        /** Only mail from the listed addresses or domains. */
        SENDERS,
        /** Only mail marked important (Importance: high, X-Priority 1 or 2, Priority: urgent). */
        IMPORTANT,
        /** Only mail sent to the given alias (a To or Cc address). */
        ALIAS;

        public static Trigger parse(String text) {
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("trigger must be one of all, senders, important, alias, not " + text);
            }
        }

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SmsSettings {
        senders = List.copyOf(senders);
        if (phone == null) phone = "";
        if (verifiedPhone == null) verifiedPhone = "";
        if (alias == null) alias = "";
    }

    /** The settings of a user who set nothing: off, no phone. */
    public static SmsSettings none() {
        return new SmsSettings("", "", false, Trigger.ALL, List.of(), "", null, null, "UTC", DEFAULT_DAILY_CAP, "en");
    }

    /** Whether the phone number is set and confirmed. */
    public boolean verified() {
        return !phone.isEmpty() && phone.equals(verifiedPhone);
    }

    /** Whether notices go out now: on, with a confirmed phone. */
    public boolean active() {
        return enabled && verified();
    }

    public ZoneId zoneId() {
        return ZoneId.of(zone);
    }

    /** Whether {@code t} (in the user's zone) falls in the quiet hours, which may span midnight. */
    public boolean quiet(ZonedDateTime t) {
        if (quietFrom == null || quietTo == null || quietFrom.equals(quietTo)) return false;
        LocalTime now = t.withZoneSameInstant(zoneId()).toLocalTime();
        return quietFrom.isBefore(quietTo)
                ? !now.isBefore(quietFrom) && now.isBefore(quietTo)
                : !now.isBefore(quietFrom) || now.isBefore(quietTo);
    }

    /** @throws IllegalArgumentException naming what is wrong */
    public static String checkPhone(String phone) {
        String p = phone == null ? "" : phone.strip().replace(" ", "").replace("-", "");
        if (!p.isEmpty() && !E164.matcher(p).matches()) {
            throw new IllegalArgumentException("the phone number must be in E.164 form (+ and 7 to 15 digits), not " + phone);
        }
        return p;
    }

    /** These settings, checked: E.164 phone, a known zone and language, a trigger's arguments. */
    public SmsSettings checked() {
        checkPhone(phone);
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone " + zone);
        }
        if (!language.equals("en") && !language.equals("zh")) throw new IllegalArgumentException("language must be en or zh, not " + language);
        if (dailyCap < 0) throw new IllegalArgumentException("the daily cap must not be negative");
        if (trigger == Trigger.SENDERS && senders.isEmpty()) throw new IllegalArgumentException("trigger senders needs at least one sender or domain");
        if (trigger == Trigger.ALIAS && alias.isBlank()) throw new IllegalArgumentException("trigger alias needs the alias");
        if ((quietFrom == null) != (quietTo == null)) throw new IllegalArgumentException("quiet hours need both a start and an end");
        return this;
    }

    public byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("phone", phone).put("verifiedPhone", verifiedPhone).put("enabled", enabled).put("trigger", trigger.text());
        ArrayNode s = n.putArray("senders");
        senders.forEach(s::add);
        n.put("alias", alias);
        if (quietFrom != null) n.put("quietFrom", quietFrom.toString()).put("quietTo", quietTo.toString());
        n.put("zone", zone).put("dailyCap", dailyCap).put("language", language);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException for a value that is not settings */
    public static SmsSettings decode(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            List<String> senders = new ArrayList<>();
            n.path("senders").forEach(x -> senders.add(x.asText()));
            String from = n.path("quietFrom").asText("");
            String to = n.path("quietTo").asText("");
            return new SmsSettings(n.path("phone").asText(""), n.path("verifiedPhone").asText(""), n.path("enabled").asBoolean(false),
                    Trigger.parse(n.path("trigger").asText("all")), senders, n.path("alias").asText(""),
                    from.isEmpty() ? null : LocalTime.parse(from), to.isEmpty() ? null : LocalTime.parse(to),
                    n.path("zone").asText("UTC"), n.path("dailyCap").asInt(DEFAULT_DAILY_CAP), n.path("language").asText("en"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not SMS settings: " + e.getMessage(), e);
        }
    }
}
