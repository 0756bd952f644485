package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twinmail.web.webmail.SelfService.Request;

/** The settings routes' requests are read and checked before anything runs. */
class SelfServiceTest {
    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsEachSetting() throws Exception {
        assertThat(SelfService.parse("settings", "GET", new byte[0])).isInstanceOf(Request.Show.class);
        Request.Password p = (Request.Password) SelfService.parse("settings/password", "POST", json("{\"current\":\"a\",\"password\":\"bcd\"}"));
        assertThat(new String(p.current())).isEqualTo("a");
        assertThat(new String(p.next())).isEqualTo("bcd");
        Request.Forwarding f = (Request.Forwarding) SelfService.parse("settings/forwarding", "POST",
                json("{\"to\":[\" x@example.com \",\"\"],\"keepCopy\":false}"));
        assertThat(f.to()).containsExactly("x@example.com");
        assertThat(f.keepCopy()).isFalse();
        assertThat(((Request.Forwarding) SelfService.parse("settings/forwarding", "POST", json("{}"))).keepCopy()).as("keeps a copy unless told").isTrue();
        assertThat(SelfService.parse("settings/senders", "POST", json("{\"pattern\":\"*@spam.example\",\"action\":\"JUNK\"}")))
                .isEqualTo(new Request.AddSender("*@spam.example", "junk"));
        assertThat(SelfService.parse("settings/senders/remove", "POST", json("{\"pattern\":\"a@b.example\"}")))
                .isEqualTo(new Request.RemoveSender("a@b.example"));
        Request.Sms sms = (Request.Sms) SelfService.parse("settings/sms", "POST", json("{\"phone\":\"+8613800138000\",\"enabled\":true}"));
        assertThat(sms.change().phone()).isEqualTo("+8613800138000");
        assertThat(sms.change().enabled()).isTrue();
        assertThat(sms.change().trigger()).as("absent: unchanged").isNull();
        assertThat(SelfService.parse("settings/sms/verify", "POST", json("{\"code\":\" 123456 \"}"))).isEqualTo(new Request.SmsVerify("123456"));
        assertThat(SelfService.parse("settings/spam-level", "POST", json("{\"level\":\" strict \"}"))).isEqualTo(new Request.SpamLevel("strict"));
        assertThat(SelfService.parse("settings/spam-level", "POST", json("{\"level\":4.5}"))).isEqualTo(new Request.SpamLevel("4.5"));
        assertThatThrownBy(() -> SelfService.parse("settings/spam-level", "POST", json("{}"))).hasMessageContaining("level is required");
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> SelfService.parse("settings", "POST", new byte[0])).hasMessageContaining("GET only");
        assertThatThrownBy(() -> SelfService.parse("settings/forwarding", "GET", new byte[0])).hasMessageContaining("POST only");
        assertThatThrownBy(() -> SelfService.parse("settings/password", "POST", json("{\"password\":\"x\"}"))).hasMessageContaining("current is required");
        assertThatThrownBy(() -> SelfService.parse("settings/password", "POST", json("[1]"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> SelfService.parse("settings/password", "POST", json("{"))).hasMessageContaining("JSON object");
        // quarantine and tag stay the administrator's
        assertThatThrownBy(() -> SelfService.parse("settings/senders", "POST", json("{\"pattern\":\"a@b.example\",\"action\":\"quarantine\"}")))
                .hasMessageContaining("accept, junk or reject");
        assertThatThrownBy(() -> SelfService.parse("settings/forwarding", "POST", json("{\"to\":[1]}"))).hasMessageContaining("list of addresses");
        assertThatThrownBy(() -> SelfService.parse("settings/sms", "POST", json("{\"phone\":1}"))).hasMessageContaining("phone is a string");
        assertThatThrownBy(() -> SelfService.parse("settings/other", "POST", json("{}")))
                .isInstanceOfSatisfying(SelfService.BadRequest.class, e -> assertThat(e.status).isEqualTo(404));
    }
}
