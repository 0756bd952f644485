package org.twinmail.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.twinmail.core.mail.ByteSize;

/** A byte size in the configuration file, written "25M", "2G", "512". */
public record Size(long bytes) {
    @JsonCreator
    public static Size of(String text) {
        return new Size(ByteSize.parse(text));
    }

    public static Size ofBytes(long bytes) {
        return new Size(bytes);
    }

    public int asInt() {
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    @JsonValue
    @Override
    public String toString() {
        return ByteSize.format(bytes, false);
    }
}
