package org.twinmail.core.policy;

import java.util.List;
import java.util.Locale;

/**
 * The administrator's global Sieve scripts, as records of the store's {@code Records} role:
 * kind {@value #BEFORE} or {@value #AFTER} (the phase), the global scope {@code ""}, name the
 * script's name, value its UTF-8 text. Written by the admin operations (CLI, REST), read at
 * delivery by {@code filter}'s Sieve check, which runs every {@code before} script (by name)
 * ahead of the user's script and every {@code after} script when the message is still kept
 * (docs/sieve.md, "Global scripts"); so the kinds live here, where both reach them.
 */
public final class GlobalSieve {
    private GlobalSieve() {}

    public static final String BEFORE = "sieve.before";
    public static final String AFTER = "sieve.after";
    /** The phases as the CLI and the REST API name them. */
    public static final List<String> PHASES = List.of("before", "after");
    /** The longest script name (as ManageSieve's). */
    public static final int MAX_NAME = 128;

    /** The record kind of a phase ("before" or "after", any case); IllegalArgumentException otherwise. */
    public static String kind(String phase) {
        return switch (phase == null ? "" : phase.toLowerCase(Locale.ROOT)) {
            case "before" -> BEFORE;
            case "after" -> AFTER;
            default -> throw new IllegalArgumentException("phase must be before or after, not " + phase);
        };
    }

    /** The phase of a record kind. */
    public static String phase(String kind) {
        return kind.equals(BEFORE) ? "before" : "after";
    }

    /** Checks a script name: 1 to {@value #MAX_NAME} characters, no control characters, no "/". */
    public static String checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("a script name has 1 to " + MAX_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || (c >= 0x80 && c < 0xa0)) {
                throw new IllegalArgumentException("a script name has no control characters and no /");
            }
        }
        return name;
    }
}
