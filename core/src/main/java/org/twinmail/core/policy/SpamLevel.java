package org.twinmail.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A user's own spam level, as a record of the store's {@code Records} role: kind {@value #KIND},
 * scope the account, name {@value #NAME}, value {@code {"level":"strict"}} or
 * {@code {"level":"score","score":4.5}}. Written by the admin operations (the webmail's settings,
 * the admin REST API, the CLI), read at delivery by {@code filter}'s content score, which moves
 * its Junk and tag thresholds for that recipient (the reject and quarantine thresholds stay the
 * administrator's); so the format lives here, where both reach it. No record: {@link Mode#NORMAL}.
 *
 * @param mode  off, lenient, normal, strict, or a score of the user's own
 * @param score the Junk threshold for {@link Mode#SCORE}; 0 otherwise
 */
public record SpamLevel(Mode mode, double score) {
    public static final String KIND = "spam.level";
    public static final String NAME = "level";
    /** The administrator's thresholds: what an account without a record has. */
    public static final SpamLevel NORMAL = new SpamLevel(Mode.NORMAL, 0);
    /** The range of a score of the user's own. */
    public static final double MIN_SCORE = 0;
    public static final double MAX_SCORE = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a user chooses. */
    public enum Mode {
        /** The content score never tags nor files the user's copy into Junk. */
        OFF,
        /** Junk from {@code filter.content.lenientJunkScore}. */
        LENIENT,
        /** The administrator's thresholds ({@code filter.content.junkScore}, {@code tagScore}). */
        NORMAL,
        /** Junk from {@code filter.content.strictJunkScore}. */
        STRICT,
        /** Junk from the user's own score. */
        SCORE
    }

    public SpamLevel {
        if (mode == null) throw new IllegalArgumentException("a spam level needs a mode");
        if (mode == Mode.SCORE) {
            if (!Double.isFinite(score) || score < MIN_SCORE || score > MAX_SCORE) {
                throw new IllegalArgumentException("a spam score is a number from 0 to 100");
            }
            score = Math.round(score * 10) / 10.0;
        } else {
            score = 0;
        }
    }

    /**
     * Reads what an operator or a user wrote: {@code off}, {@code lenient}, {@code normal},
     * {@code strict} (any case), or a number from 0 to 100 (the Junk threshold, one decimal kept).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static SpamLevel parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "off": return new SpamLevel(Mode.OFF, 0);
            case "lenient": return new SpamLevel(Mode.LENIENT, 0);
            case "normal": return NORMAL;
            case "strict": return new SpamLevel(Mode.STRICT, 0);
            default: break;
        }
        if (!t.matches("[0-9]{1,3}(\\.[0-9]{1,3})?")) {
            throw new IllegalArgumentException("a spam level is off, lenient, normal, strict or a score from 0 to 100, not \""
                    + org.twinmail.core.mail.Printable.of(text == null ? "" : text) + "\"");
        }
        return new SpamLevel(Mode.SCORE, new BigDecimal(t).doubleValue());
    }

    /** As {@link #parse} reads it back: the mode in lower case, or the score. */
    public String text() {
        if (mode != Mode.SCORE) return mode.name().toLowerCase(Locale.ROOT);
        return score == Math.rint(score) ? String.valueOf((long) score) : String.format(Locale.ROOT, "%.1f", score);
    }

    public byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("level", mode.name().toLowerCase(Locale.ROOT));
        if (mode == Mode.SCORE) n.put("score", score);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException for a value that is not one */
    public static SpamLevel decode(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            if (n == null || !n.path("level").isTextual()) throw new IllegalArgumentException("not a spam level value");
            Mode mode = Mode.valueOf(n.get("level").asText().toUpperCase(Locale.ROOT));
            return new SpamLevel(mode, mode == Mode.SCORE ? n.path("score").asDouble(Double.NaN) : 0);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a spam level value: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return text();
    }
}
