package org.twinmail.server.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.twinmail.core.mail.DurationText;
import picocli.CommandLine;

/** "2h", "7d" from now, or an ISO-8601 instant "2026-12-31T00:00:00Z", on the command line. */
final class ExpiryConverter implements CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        if (value != null && value.length() > 4 && value.contains("T")) {
            try {
                return Instant.parse(value.strip());
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("not an instant (2026-12-31T00:00:00Z): " + value);
            }
        }
        try {
            return Instant.now().plus(DurationText.parse(value));
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("not a duration (2h, 7d) nor an instant (2026-12-31T00:00:00Z): " + value);
        }
    }
}
