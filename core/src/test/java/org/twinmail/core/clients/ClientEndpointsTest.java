package org.twinmail.core.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.twinmail.core.clients.ClientEndpoints.Kind;
import org.twinmail.core.clients.ClientEndpoints.Service;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;

class ClientEndpointsTest {

    @Test
    void withoutAClientsSectionEachServiceIsPublishedOnItsFirstListenPortImplicitTlsFirst() {
        TwinmailConfig c = new TwinmailConfig();
        c.hostname = "Mail.Example.NET";
        ClientEndpoints e = ClientEndpoints.of(c);
        assertThat(e.host()).isEqualTo("mail.example.net");
        assertThat(e.services()).containsExactly(new Service(Kind.IMAPS, 2993), new Service(Kind.IMAP, 2143),
                new Service(Kind.POP3S, 2995), new Service(Kind.POP3, 2110), new Service(Kind.SUBMISSIONS, 2465),
                new Service(Kind.SUBMISSION, 2587), new Service(Kind.MANAGESIEVE, 2190));
        assertThat(e.httpsBase()).isEmpty(); // no http.tlsListen by default
        assertThat(e.ofProtocol("imap")).extracting(Service::kind).containsExactly(Kind.IMAPS, Kind.IMAP);
    }

    @Test
    void portsMapTheListenPortsToThePublishedOnesAndZeroHidesAService() {
        TwinmailConfig c = new TwinmailConfig();
        c.clients.host = "imap.example.org";
        c.http.tlsListen = List.of(Listen.parse("0.0.0.0:8443"));
        c.clients.ports = Map.of("IMAPS", 993, "pop3", 0, "https", 443);
        ClientEndpoints e = ClientEndpoints.of(c);
        assertThat(e.service(Kind.IMAPS)).contains(new Service(Kind.IMAPS, 993));
        assertThat(e.service(Kind.POP3)).isEmpty();
        assertThat(e.httpsBase()).contains("https://imap.example.org");
        c.clients.ports = Map.of("https", 8443);
        assertThat(ClientEndpoints.of(c).httpsBase()).contains("https://imap.example.org:8443");
    }

    @Test
    void anUnknownServiceOrABadPortIsAConfigurationError() {
        TwinmailConfig c = new TwinmailConfig();
        c.clients.ports = Map.of("imap4", 143);
        assertThatThrownBy(() -> ClientEndpoints.of(c)).hasMessageContaining("unknown service 'imap4'");
        c.clients.ports = Map.of("imap", 70000);
        assertThatThrownBy(() -> ClientEndpoints.of(c)).hasMessageContaining("not a port: 70000");
    }

    @Test
    void theMtaStsPolicyIsTheRfc8461FileAndItsIdFollowsItsText() {
        TwinmailConfig c = new TwinmailConfig();
        c.clients.host = "mx.example.com";
        MtaStsPolicy testing = MtaStsPolicy.of(c, ClientEndpoints.of(c));
        // RFC 8461 3.2: "version", "mode", "mx", "max_age" as key: value lines ending in CRLF
        assertThat(testing.text()).isEqualTo("version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 604800\r\n");
        assertThat(testing.id()).matches("[0-9a-f]{20}"); // 3.1: 1*32(ALPHA / DIGIT)
        c.clients.mtaStsMode = "enforce";
        c.clients.mtaStsMaxAge = Duration.ofDays(1);
        MtaStsPolicy enforce = MtaStsPolicy.of(c, ClientEndpoints.of(c));
        assertThat(enforce.text()).contains("mode: enforce\r\n").contains("max_age: 86400\r\n");
        assertThat(enforce.id()).isNotEqualTo(testing.id()).isEqualTo(MtaStsPolicy.of(c, ClientEndpoints.of(c)).id());
        c.clients.mtaStsMode = "strict";
        assertThatThrownBy(() -> MtaStsPolicy.of(c, ClientEndpoints.of(c))).hasMessageContaining("none, testing or enforce");
        c.clients.mtaStsMode = "testing";
        c.clients.mtaStsMaxAge = Duration.ofDays(400);
        assertThatThrownBy(() -> MtaStsPolicy.of(c, ClientEndpoints.of(c))).hasMessageContaining("31557600");
    }
}
