package org.twinmail.core.mail;

import java.time.Duration;
import java.util.Locale;

/** Durations as administrators write them: "300s", "5m", "2h", "1d", "250ms", or ISO-8601 "PT5M". */
public final class DurationText {
    private DurationText() {}

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty duration");
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) return Duration.parse(s.toUpperCase(Locale.ROOT));
        try {
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
            long n = Long.parseLong(s.substring(0, s.length() - 1).strip());
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> Duration.ofSeconds(Long.parseLong(s));
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration (use e.g. 30s, 5m, 2h, 5d): " + text);
        }
    }

    public static String format(Duration d) {
        long s = d.toSeconds();
        if (d.toMillisPart() != 0 || s == 0) return d.toMillis() + "ms";
        if (s % 86400 == 0) return s / 86400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
