package org.twinmail.sms.notice;

import java.util.Locale;
import java.util.Optional;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * Mail that never triggers a notice, by its header section: spam (the spam scanner's
 * {@code X-Spam-Flag: YES}, or an {@code X-Spam-Status} that begins with "Yes"), virus-flagged
 * ({@code X-Virus-Status: Infected}, an {@code X-Virus-Found} field), bulk (Precedence bulk, list
 * or junk; a List-Id or List-Unsubscribe field; Auto-Submitted other than "no"). Mail filed into
 * the Junk folder is refused by the queue on its folder, not here.
 */
public final class Unwanted {
    private Unwanted() {}

    /** Why {@code header}'s message must not notify ("spam", "virus", "bulk"), or empty. */
    public static Optional<String> reason(Header header) {
        if (is(header, "X-Spam-Flag", "yes") || starts(header, "X-Spam-Status", "yes")) return Optional.of("spam");
        if (starts(header, "X-Virus-Status", "infected") || header.first("X-Virus-Found").isPresent()) return Optional.of("virus");
        if (is(header, "Precedence", "bulk") || is(header, "Precedence", "list") || is(header, "Precedence", "junk")
                || header.first("List-Id").isPresent() || header.first("List-Unsubscribe").isPresent()) {
            return Optional.of("bulk");
        }
        Optional<String> auto = header.first("Auto-Submitted").map(HeaderField::value).map(Unwanted::token);
        if (auto.isPresent() && !auto.get().equals("no")) return Optional.of("bulk");
        return Optional.empty();
    }

    private static boolean is(Header h, String name, String value) {
        return h.all(name).stream().anyMatch(f -> token(f.value()).equals(value));
    }

    private static boolean starts(Header h, String name, String prefix) {
        return h.all(name).stream().anyMatch(f -> token(f.value()).startsWith(prefix));
    }

    private static String token(String v) {
        String t = v.strip().toLowerCase(Locale.ROOT);
        int cut = t.indexOf(';');
        return cut < 0 ? t : t.substring(0, cut).strip();
    }
}
