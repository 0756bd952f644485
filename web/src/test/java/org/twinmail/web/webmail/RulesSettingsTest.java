package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The rules route's requests are read and checked before anything is written. */
class RulesSettingsTest {
    static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsShowAndSave() throws Exception {
        assertThat(RulesSettings.parse("GET", new byte[0]).show()).isTrue();
        RulesSettings.Request save = RulesSettings.parse("POST", json("{'rules':[{'name':'a','conditions':[{'field':'subject','op':'is','value':'x'}],"
                + "'actions':[{'type':'discard'}]}],'replace':true}"));
        assertThat(save.show()).isFalse();
        assertThat(save.replace()).isTrue();
        assertThat(save.save()).hasSize(1);
        assertThat(RulesSettings.parse("POST", json("{'rules':[]}")).replace()).as("never replaces unless told").isFalse();
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> RulesSettings.parse("PUT", new byte[0]))
                .isInstanceOfSatisfying(SelfService.BadRequest.class, e -> assertThat(e.status).isEqualTo(405));
        assertThatThrownBy(() -> RulesSettings.parse("POST", json("{"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> RulesSettings.parse("POST", json("[]"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> RulesSettings.parse("POST", json("{}"))).hasMessageContaining("rules is a list");
        assertThatThrownBy(() -> RulesSettings.parse("POST", json("{'rules':[{'actions':[{'type':'fileinto'}]}]}")))
                .isInstanceOfSatisfying(SelfService.BadRequest.class, e -> {
                    assertThat(e.status).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("rule 1: a folder is required");
                });
    }
}
