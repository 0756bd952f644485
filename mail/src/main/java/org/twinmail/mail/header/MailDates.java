package org.twinmail.mail.header;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Dates of header fields (RFC 5322 3.3), read leniently: the RFC form, the obsolete forms of
 * RFC 5322 4.3 (two- and three-digit years, alphabetic zones, comments and whitespace
 * anywhere), and what real mailers write instead: asctime ({@code Mon Jan  2 15:04:05 2006}),
 * ISO 8601, {@code +00:00} offsets, a zone in parentheses, month before day, full month and
 * day names, dots as time separators, no seconds or no zone (taken as UTC). Anything that
 * still is not a date gives an empty result, never an exception.
 */
public final class MailDates {
    private static final Map<String, Integer> MONTHS = Map.ofEntries(
            Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6),
            Map.entry("jul", 7), Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));
    /** RFC 5322 4.3 obs-zone; military letters are "-0000" (unknown) there, read here as UTC. */
    private static final Map<String, Integer> ZONES = Map.ofEntries(
            Map.entry("UT", 0), Map.entry("UTC", 0), Map.entry("GMT", 0), Map.entry("Z", 0),
            Map.entry("EST", -5), Map.entry("EDT", -4), Map.entry("CST", -6), Map.entry("CDT", -5),
            Map.entry("MST", -7), Map.entry("MDT", -6), Map.entry("PST", -8), Map.entry("PDT", -7),
            Map.entry("CET", 1), Map.entry("CEST", 2), Map.entry("BST", 1), Map.entry("JST", 9), Map.entry("KST", 9),
            Map.entry("HKT", 8), Map.entry("SGT", 8), Map.entry("IST", 0), Map.entry("MET", 1), Map.entry("MEST", 2), Map.entry("EET", 2), Map.entry("EEST", 3));

    private static final java.util.regex.Pattern DOTTED_TIME = java.util.regex.Pattern.compile("\\d{1,2}\\.\\d{2}(\\.\\d{2})?");
    private static final int MAX_TOKENS = 32;
    private static final java.util.Set<String> MONTH_NAMES = java.util.Set.of("january", "february", "march", "april", "june", "july",
            "august", "september", "sept", "october", "november", "december");
    private static final java.util.Set<String> DAY_NAMES = java.util.Set.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    private MailDates() {
    }

    /** The date and time of a Date (or Resent-Date, or a Received field's date part), or empty. */
    public static Optional<OffsetDateTime> parse(String text) {
        if (text == null) return Optional.empty();
        try {
            return Optional.ofNullable(parseOrNull(text));
        } catch (RuntimeException e) { // DateTimeException and anything an odd input provokes: not a date
            return Optional.empty();
        }
    }

    /** RFC 5322 3.3 form, for header fields we write: {@code Mon, 2 Jan 2006 15:04:05 +0000}. */
    public static String format(OffsetDateTime t) {
        return DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT).format(t);
    }

    private static OffsetDateTime parseOrNull(String text) {
        String s = stripComments(text).strip();
        if (s.isEmpty()) return null;
        OffsetDateTime iso = iso(s);
        if (iso != null) return iso;
        // one token per date part: times keep their colons, whitespace around colons removed (obs-FWS)
        s = joinColons(s).replace(',', ' ');
        List<String> tokens = new ArrayList<>();
        for (String t : s.split("\\s+")) if (!t.isEmpty()) tokens.add(t);
        if (tokens.size() > MAX_TOKENS) return null; // not a date: a date has a dozen parts at most
        Integer day = null, month = null, year = null;
        int hour = 0, minute = 0, second = 0;
        boolean time = false;
        ZoneOffset zone = null;
        List<Integer> numbers = new ArrayList<>();
        List<Integer> numberDigits = new ArrayList<>();
        for (int idx = 0; idx < tokens.size(); idx++) {
            String t = tokens.get(idx);
            String lower = t.toLowerCase(Locale.ROOT);
            if (!time && (t.indexOf(':') > 0 || DOTTED_TIME.matcher(t).matches())) {
                String[] hms = t.split("[:.]");
                if (hms.length < 2 || hms.length > 3) return null;
                hour = Integer.parseInt(hms[0]);
                minute = Integer.parseInt(hms[1]);
                second = hms.length == 3 ? Integer.parseInt(hms[2].replaceAll("\\..*$", "")) : 0;
                time = true;
                continue;
            }
            if ((t.startsWith("+") || t.startsWith("-")) && t.length() > 1 && zone == null) {
                zone = numericZone(t);
                if (zone == null) return null;
                continue;
            }
            if (t.chars().allMatch(Character::isDigit)) {
                if (t.length() > 4) return null;
                numbers.add(Integer.parseInt(t));
                numberDigits.add(t.length());
                continue;
            }
            if (t.length() >= 3 && MONTHS.containsKey(lower.substring(0, 3)) && month == null && Character.isLetter(t.charAt(0))
                    && (t.length() == 3 || isMonthName(lower))) {
                month = MONTHS.get(lower.substring(0, 3));
                continue;
            }
            Integer hours = ZONES.get(t.toUpperCase(Locale.ROOT));
            if (hours != null && zone == null) {
                zone = ZoneOffset.ofHours(hours);
                continue;
            }
            if (t.length() == 1 && Character.isLetter(t.charAt(0)) && zone == null) {
                zone = ZoneOffset.UTC; // a military zone
                continue;
            }
            if (isDayName(lower)) continue;
            if (lower.equals("am") || lower.equals("pm")) {
                if (lower.equals("pm") && hour < 12) hour += 12;
                else if (lower.equals("am") && hour == 12) hour = 0;
                continue;
            }
            // anything else ("at", stray words): ignored
        }
        if (month == null || numbers.size() < 2) return null;
        // day and year: the 3- or 4-digit number is the year; otherwise day first (RFC order), then year
        int dayIdx = -1, yearIdx = -1;
        for (int k = 0; k < numbers.size(); k++) if (numberDigits.get(k) >= 3 && yearIdx < 0) yearIdx = k;
        for (int k = 0; k < numbers.size(); k++) if (k != yearIdx && dayIdx < 0 && numbers.get(k) >= 1 && numbers.get(k) <= 31) dayIdx = k;
        if (dayIdx < 0) return null;
        if (yearIdx < 0) for (int k = 0; k < numbers.size(); k++) if (k != dayIdx) { yearIdx = k; break; }
        if (yearIdx < 0) return null;
        day = numbers.get(dayIdx);
        year = numbers.get(yearIdx);
        int digits = numberDigits.get(yearIdx);
        if (digits <= 2) year += year < 50 ? 2000 : 1900; // RFC 5322 4.3
        else if (digits == 3) year += 1900;
        if (second == 60) second = 59; // a leap second, which java.time does not represent
        return OffsetDateTime.of(year, month, day, hour, minute, second, 0, zone == null ? ZoneOffset.UTC : zone);
    }

    /** Drops the whitespace around colons ("09 : 55" is "09:55"), in one pass: no regex backtracking on long runs of spaces. */
    private static String joinColons(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') {
                while (!b.isEmpty() && Character.isWhitespace(b.charAt(b.length() - 1))) b.setLength(b.length() - 1);
                b.append(':');
                while (i + 1 < s.length() && Character.isWhitespace(s.charAt(i + 1))) i++;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isMonthName(String lower) {
        return MONTH_NAMES.contains(lower.replace(".", "")) || lower.length() == 4 && lower.endsWith(".");
    }

    private static boolean isDayName(String lower) {
        String l = lower.replace(".", "");
        return l.length() >= 3 && DAY_NAMES.contains(l.substring(0, 3));
    }

    /** +hhmm, -hhmm, +hh:mm, +hh (a "-0000" is UTC: the zone is unknown, RFC 5322 3.3). */
    private static ZoneOffset numericZone(String t) {
        String digits = t.substring(1).replace(":", "");
        if (!digits.chars().allMatch(Character::isDigit) || digits.isEmpty() || digits.length() > 4) return null;
        int h, m;
        if (digits.length() <= 2) {
            h = Integer.parseInt(digits);
            m = 0;
        } else {
            int v = Integer.parseInt(digits);
            h = v / 100;
            m = v % 100;
        }
        if (h > 18 || m > 59) return null;
        int sign = t.charAt(0) == '-' ? -1 : 1;
        try {
            return ZoneOffset.ofHoursMinutes(sign * h, sign * m);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static OffsetDateTime iso(String s) {
        if (s.length() < 10 || !Character.isDigit(s.charAt(0)) || s.charAt(4) != '-') return null;
        try {
            return OffsetDateTime.parse(s.replace(' ', 'T'));
        } catch (DateTimeException e) {
            try {
                return java.time.LocalDateTime.parse(s.replace(' ', 'T')).atOffset(ZoneOffset.UTC);
            } catch (DateTimeException e2) {
                return null;
            }
        }
    }

    private static String stripComments(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && depth > 0) {
                i++;
                continue;
            }
            if (c == '(') depth++;
            else if (c == ')' && depth > 0) {
                depth--;
                b.append(' ');
            } else if (depth == 0) b.append(c);
        }
        return b.toString();
    }
}
