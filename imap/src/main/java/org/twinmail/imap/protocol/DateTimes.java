package org.twinmail.imap.protocol;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** IMAP date formats: date-time ("07-Feb-1994 21:52:25 -0800", INTERNALDATE, APPEND) and date ("1-Feb-1994", SEARCH). */
public final class DateTimes {
    private DateTimes() {}

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final DateTimeFormatter PARSE_DATE_TIME = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ENGLISH);

    /** INTERNALDATE as the server sends it, in UTC. */
    public static String format(Instant instant) {
        return DATE_TIME.format(instant.atZone(ZoneOffset.UTC));
    }

    /** A date-time as APPEND sends it; a day may be space-padded (" 7-Feb-1994 ..."). */
    public static Instant parseDateTime(String text) throws ImapSyntaxException {
        try {
            return ZonedDateTime.parse(capitalise(text.strip()), PARSE_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw ImapSyntaxException.syntax("bad date-time: \"" + org.twinmail.core.mail.Printable.of(text) + "\"");
        }
    }

    public static LocalDate parseDate(String text) throws ImapSyntaxException {
        try {
            return LocalDate.parse(capitalise(text), DATE);
        } catch (DateTimeParseException e) {
            throw ImapSyntaxException.syntax("bad date: \"" + org.twinmail.core.mail.Printable.of(text) + "\"");
        }
    }

    /** Month names are case-insensitive in IMAP; the JDK's parser wants "Feb". */
    private static String capitalise(String s) {
        int dash = s.indexOf('-');
        if (dash < 0 || dash + 4 > s.length()) return s;
        String month = s.substring(dash + 1, dash + 4);
        return s.substring(0, dash + 1) + month.substring(0, 1).toUpperCase(Locale.ROOT)
                + month.substring(1).toLowerCase(Locale.ROOT) + s.substring(dash + 4);
    }
}
