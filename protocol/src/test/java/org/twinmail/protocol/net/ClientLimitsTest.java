package org.twinmail.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;

class ClientLimitsTest {

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    private static TwinmailConfig.Limits limits(int perIp, int perV4Net, int perV6Net, int perMinute) {
        TwinmailConfig.Limits l = new TwinmailConfig.Limits();
        l.maxConnectionsPerIp = perIp;
        l.maxConnectionsPerIpv4Net = perV4Net;
        l.maxConnectionsPerIpv6Net = perV6Net;
        l.connectionsPerMinute = perMinute;
        return l;
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() throws Exception {
        ClientLimits c = ClientLimits.from(limits(100, 100, 2, 0));
        assertThat(c.admit(ip("2001:db8:1:2::1"))).isNull();
        assertThat(c.admit(ip("2001:db8:1:2:ffff::9"))).isNull();
        assertThat(c.admit(ip("2001:db8:1:2::3"))).isEqualTo(ClientLimits.Refusal.PER_IP);
        assertThat(c.admit(ip("2001:db8:1:3::1"))).as("the next /64").isNull();
        c.release(ip("2001:db8:1:2::1"));
        assertThat(c.openFrom(ip("2001:db8:1:2::77"))).isEqualTo(1);
        assertThat(c.admit(ip("2001:db8:1:2::3"))).isNull();
    }

    @Test
    void anIpv4MappedAddressCountsAsIpv4AndTheSlash24HasItsOwnLimit() throws Exception {
        ClientLimits c = ClientLimits.from(limits(2, 3, 100, 0));
        assertThat(c.admit(ip("::ffff:192.0.2.1"))).isNull();
        assertThat(c.admit(ip("192.0.2.1"))).isNull();
        assertThat(c.admit(ip("192.0.2.1"))).isEqualTo(ClientLimits.Refusal.PER_IP);
        assertThat(c.admit(ip("192.0.2.2"))).isNull();
        assertThat(c.admit(ip("192.0.2.3"))).isEqualTo(ClientLimits.Refusal.PER_NETWORK);
        assertThat(c.admit(ip("192.0.3.3"))).isNull();
        c.release(ip("::ffff:192.0.2.1"));
        assertThat(c.openFrom(ip("192.0.2.1"))).isEqualTo(1);
        assertThat(c.admit(ip("192.0.2.3"))).isNull();
    }

    @Test
    void theRateIsATokenBucketPerAddressAndRefusalsDoNotCount() throws Exception {
        ClientLimits c = ClientLimits.from(limits(1000, 1000, 1000, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(c.admit(ip("198.51.100.1"))).isNull();
            c.release(ip("198.51.100.1"));
        }
        assertThat(c.admit(ip("198.51.100.1"))).isEqualTo(ClientLimits.Refusal.RATE);
        assertThat(c.openFrom(ip("198.51.100.1"))).isZero();
        assertThat(c.admit(ip("198.51.100.2"))).as("another address has its own bucket").isNull();
    }

    @Test
    void exemptNetworksAreNotCountedAndBadSettingsAreRefusedByName() throws Exception {
        TwinmailConfig.Limits l = limits(1, 1, 1, 1);
        l.exemptNetworks = List.of("10.0.0.0/8", "2001:db8::/32");
        ClientLimits c = ClientLimits.from(l);
        for (int i = 0; i < 10; i++) {
            assertThat(c.admit(ip("10.1.2.3"))).isNull();
            assertThat(c.admit(ip("2001:db8::5"))).isNull();
        }
        assertThat(c.openFrom(ip("10.1.2.3"))).isZero();
        assertThatThrownBy(() -> ClientLimits.from(limits(0, 1, 1, 1))).hasMessageContaining("limits.maxConnectionsPerIp");
        TwinmailConfig.Limits bad = limits(1, 1, 1, 1);
        bad.exemptNetworks = List.of("example.org");
        assertThatThrownBy(() -> ClientLimits.from(bad)).hasMessageContaining("limits.exemptNetworks");
        TwinmailConfig.Limits stress = new TwinmailConfig.Limits();
        stress.stressFreePercent = 80;
        assertThatThrownBy(() -> Admission.of(stress, ClientLimits.none(), org.twinmail.protocol.auth.AuthGuard.disabled(), null))
                .hasMessageContaining("limits.stressFreePercent");
    }
}
