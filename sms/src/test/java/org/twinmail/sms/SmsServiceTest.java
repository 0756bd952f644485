package org.twinmail.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.SmsGateway;

/** The gateways a node builds from {@code sms.*}: their order of priority, and a bad HTTP gateway refused at the start. */
class SmsServiceTest {
    static TwinmailConfig.Sms.Smpp smpp(String name, int priority) {
        TwinmailConfig.Sms.Smpp s = new TwinmailConfig.Sms.Smpp();
        s.name = name;
        s.host = "127.0.0.1";
        s.port = 9;
        s.priority = priority;
        s.reconnectDelays = List.of(Duration.ofSeconds(5));
        return s;
    }

    static TwinmailConfig.Sms.Http http(String name, int priority) {
        TwinmailConfig.Sms.Http h = new TwinmailConfig.Sms.Http();
        h.name = name;
        h.url = "http://127.0.0.1:9/send?to={to}";
        h.priority = priority;
        return h;
    }

    @Test
    void gatewaysGoByPriorityThenAsListedSmppBeforeHttp() {
        TwinmailConfig.Sms c = new TwinmailConfig.Sms();
        c.smpp = List.of(smpp("smpp-b", 1), smpp("smpp-a", 0));
        c.http = List.of(http("http-a", 0), http("http-c", 2));
        List<SmsGateway> gateways = SmsService.gateways(c, Clock.systemUTC());
        try {
            assertThat(gateways).extracting(SmsGateway::name).containsExactly("smpp-a", "http-a", "smpp-b", "http-c");
        } finally {
            gateways.forEach(SmsGateway::close);
        }
    }

    @Test
    void aBadHttpGatewayStopsTheStart() {
        TwinmailConfig.Sms.Http h = http("bad", 0);
        h.body = "{\"to\":\"{phone}\"}";
        assertThatThrownBy(() -> new org.twinmail.sms.gateway.http.HttpGateway(SmsService.httpSettings(h), Clock.systemUTC()))
                .hasMessageContaining("{phone}");
        h.body = "";
        h.auth = "digest";
        assertThatThrownBy(() -> SmsService.httpSettings(h)).hasMessageContaining("auth must be");
        h.auth = "hmac";
        assertThatThrownBy(() -> SmsService.httpSettings(h)).hasMessageContaining("hmac needs a secret");
    }
}
