package org.twinmail.protocol.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SaslPlainTest {
    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesAuthzidAuthcidPassword() throws Exception {
        var c = SaslPlain.decode(b64("\0alice@example.com\0sécret"));
        assertThat(c.authzid()).isEmpty();
        assertThat(c.authcid()).isEqualTo("alice@example.com");
        assertThat(new String(c.password())).isEqualTo("sécret");
        assertThat(SaslPlain.decode(b64("admin\0bob\0pw")).authzid()).isEqualTo("admin");
    }

    @Test
    void refusesMalformedResponses() {
        assertThatThrownBy(() -> SaslPlain.decode("!!!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> SaslPlain.decode(b64("alice\0pw"))).hasMessageContaining("NUL");
        assertThatThrownBy(() -> SaslPlain.decode(b64("\0\0pw"))).hasMessageContaining("empty");
        assertThatThrownBy(() -> SaslPlain.decode(b64("\0alice\0"))).hasMessageContaining("empty");
        assertThatThrownBy(() -> SaslPlain.decode(b64("\0a\0b\0c"))).isInstanceOf(SaslPlain.MalformedResponse.class);
    }
}
