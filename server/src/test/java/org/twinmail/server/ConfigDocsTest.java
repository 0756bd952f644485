package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;

/** The reference page and the example file must stay true to the configuration class. */
class ConfigDocsTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void everySettingIsDocumentedAndInTheExample() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/configuration.md"));
        String example = Files.readString(ROOT.resolve("twinmail.example.yaml"));
        for (String key : keys(TwinmailConfig.class, "")) {
            assertThat(doc).as("docs/configuration.md documents %s", key).contains("`" + key + "`");
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            assertThat(example).as("twinmail.example.yaml shows %s", key).contains(leaf + ":");
        }
    }

    @Test
    void theExampleParses() {
        TwinmailConfig c = ConfigLoader.load(ROOT.resolve("twinmail.example.yaml"));
        assertThat(c.smtp.listen.getFirst().port()).isEqualTo(25);
        assertThat(c.pop3.listen.getFirst().port()).isEqualTo(110);
    }

    private static List<String> keys(Class<?> type, String prefix) {
        List<String> out = new ArrayList<>();
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            Class<?> t = f.getType();
            if (t.getName().startsWith(TwinmailConfig.class.getName() + "$")) out.addAll(keys(t, prefix + f.getName() + "."));
            else out.add(prefix + f.getName());
        }
        return out;
    }
}
