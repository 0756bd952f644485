package org.twinmail.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.twinmail.core.mail.DurationText;

/** Reads {@link TwinmailConfig} from YAML; a missing file means all defaults. */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static TwinmailConfig load(Path file) {
        if (file == null) return new TwinmailConfig();
        if (!Files.isRegularFile(file)) throw new ConfigException("configuration file not found: " + file);
        try {
            TwinmailConfig c = mapper().readValue(file.toFile(), TwinmailConfig.class);
            return c == null ? new TwinmailConfig() : c;
        } catch (JsonMappingException e) {
            throw new ConfigException(file + ": " + e.getOriginalMessage() + " at " + path(e));
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    public static TwinmailConfig parse(String yaml) {
        try {
            TwinmailConfig c = mapper().readValue(yaml, TwinmailConfig.class);
            return c == null ? new TwinmailConfig() : c;
        } catch (JsonMappingException e) {
            throw new ConfigException(e.getOriginalMessage() + " at " + path(e));
        } catch (IOException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            else b.append('[').append(r.getIndex()).append(']');
        }
        return b.isEmpty() ? "top level" : b.toString();
    }

    static ObjectMapper mapper() {
        SimpleModule m = new SimpleModule("twinmail");
        m.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                try {
                    return DurationText.parse(p.getValueAsString());
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, e.getMessage());
                }
            }
        });
        return new ObjectMapper(new YAMLFactory())
                .registerModule(m)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }

    /** A configuration problem, with a message fit for the operator. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
