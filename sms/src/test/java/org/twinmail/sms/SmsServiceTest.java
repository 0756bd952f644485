package org.twinmail.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.SmsGateway;

/** The gateways a node builds from {@code sms.*}: their order of priority, and a bad HTTP or CMPP gateway refused at the start. */
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

    static TwinmailConfig.Sms.Cmpp cmpp(String name, int priority) {
        TwinmailConfig.Sms.Cmpp m = new TwinmailConfig.Sms.Cmpp();
        m.name = name;
        m.host = "127.0.0.1";
        m.port = 9;
        m.priority = priority;
        m.reconnectDelays = List.of(Duration.ofSeconds(5));
        return m;
    }

    @Test
    void gatewaysGoByPriorityThenAsListedSmppThenCmppThenHttp() {
        TwinmailConfig.Sms c = new TwinmailConfig.Sms();
        c.smpp = List.of(smpp("smpp-b", 1), smpp("smpp-a", 0));
        c.http = List.of(http("http-a", 0), http("http-c", 2));
        c.cmpp = List.of(cmpp("cmpp-a", 0), cmpp("cmpp-b", 1));
        List<SmsGateway> gateways = SmsService.gateways(c, Clock.systemUTC());
        try {
            assertThat(gateways).extracting(SmsGateway::name).containsExactly("smpp-a", "cmpp-a", "http-a", "smpp-b", "cmpp-b", "http-c");
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

    @Test
    void aBadCmppGatewayStopsTheStart() {
        TwinmailConfig.Sms.Cmpp m = cmpp("bad", 0);
        m.version = "4.0";
        assertThatThrownBy(() -> SmsService.cmppSettings(m)).hasMessageContaining("2.0 or 3.0");
        m.version = "2.0";
        m.spId = "1234567";
        assertThatThrownBy(() -> SmsService.cmppSettings(m)).hasMessageContaining("spId");
        m.spId = "901234";
        m.sourceAddress = "10690000000000000000";
        m.extensionDigits = 4;
        assertThatThrownBy(() -> SmsService.cmppSettings(m)).hasMessageContaining("21 digits");
    }
}
