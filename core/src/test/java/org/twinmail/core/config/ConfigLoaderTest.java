package org.twinmail.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    @Test
    void defaultsWithoutAFile() {
        TwinmailConfig c = ConfigLoader.load(null);
        assertThat(c.smtp.listen).containsExactly(Listen.parse("0.0.0.0:2525"));
        assertThat(c.pop3.listen.getFirst().port()).isEqualTo(2110);
        assertThat(c.http.listen).containsExactly(Listen.parse("127.0.0.1:8080")); // plain HTTP on loopback only
        assertThat(c.dataDir).isEqualTo("./data");
        assertThat(c.smtp.maxMessageSize.bytes()).isEqualTo(50L << 20);
    }

    @Test
    void readsYamlWithSizesDurationsAndListenAddresses() {
        TwinmailConfig c = ConfigLoader.parse("""
                hostname: mx.example.com
                smtp:
                  listen: ["25", "[::1]:2525"]
                  maxMessageSize: 25M
                  commandTimeout: 2m
                pop3:
                  listen: 127.0.0.1:110
                """);
        assertThat(c.hostname).isEqualTo("mx.example.com");
        assertThat(c.smtp.listen).containsExactly(new Listen("0.0.0.0", 25), new Listen("::1", 2525));
        assertThat(c.smtp.maxMessageSize.bytes()).isEqualTo(25L << 20);
        assertThat(c.smtp.commandTimeout).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.pop3.listen).containsExactly(new Listen("127.0.0.1", 110));
        assertThat(c.smtp.maxRecipients).isEqualTo(1000);
    }

    @Test
    void typosAndBadValuesAreClearErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("smtp:\n  maxMesageSize: 1M\n"))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("maxMesageSize");
        assertThatThrownBy(() -> ConfigLoader.parse("smtp:\n  commandTimeout: soon\n"))
                .hasMessageContaining("not a duration").hasMessageContaining("smtp.commandTimeout");
        assertThatThrownBy(() -> ConfigLoader.parse("smtp:\n  listen: host:99999\n"))
                .hasMessageContaining("port out of range");
    }
}
