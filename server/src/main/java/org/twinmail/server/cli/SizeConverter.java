package org.twinmail.server.cli;

import org.twinmail.core.mail.ByteSize;
import picocli.CommandLine;

/** "2G", "25M", "0" on the command line. */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return ByteSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
