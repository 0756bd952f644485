package org.twinmail.bench.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
    @Test
    void messagesHaveTheExactSizeAndEndInCrlfWithNoBareLineBreaks() {
        for (int size = 400; size < 1400; size++) {
            byte[] m = Messages.build("id1", "a@x.test", List.of("b@y.test"), size, size % 2 == 0 ? "id1" : null);
            assertThat(m.length).isEqualTo(size);
            String s = new String(m, StandardCharsets.US_ASCII);
            assertThat(s).endsWith("\r\n");
            assertThat(s.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        }
    }
}
