package org.twinmail.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressRangeTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4PrefixMatchesItsBlockOnly() throws Exception {
        AddressRange r = AddressRange.parse("10.1.0.0/16");
        assertThat(r.contains(ip("10.1.255.7"))).isTrue();
        assertThat(r.contains(ip("10.2.0.1"))).isFalse();
        assertThat(AddressRange.parse("192.168.1.130/25").contains(ip("192.168.1.129"))).isTrue();
        assertThat(AddressRange.parse("192.168.1.130/25").contains(ip("192.168.1.127"))).isFalse();
    }

    @Test
    void singleAddressAndZeroPrefix() throws Exception {
        assertThat(AddressRange.parse("127.0.0.1").contains(ip("127.0.0.1"))).isTrue();
        assertThat(AddressRange.parse("127.0.0.1").contains(ip("127.0.0.2"))).isFalse();
        assertThat(AddressRange.parse("0.0.0.0/0").contains(ip("203.0.113.9"))).isTrue();
        assertThat(AddressRange.parse("0.0.0.0/0").contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void ipv6AndMappedIpv4() throws Exception {
        AddressRange v6 = AddressRange.parse("2001:db8::/32");
        assertThat(v6.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(v6.contains(ip("2001:db9::1"))).isFalse();
        assertThat(AddressRange.parse("[::1]/128").contains(ip("::1"))).isTrue();
        // a dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d
        assertThat(AddressRange.parse("127.0.0.0/8").contains(ip("::ffff:127.0.0.9"))).isTrue();
        assertThat(AddressRange.parse("127.0.0.0/8").contains(ip("::ffff:10.0.0.9"))).isFalse();
    }

    @Test
    void refusesHostNamesAndBadPrefixes() {
        assertThatThrownBy(() -> AddressRange.parse("localhost")).hasMessageContaining("\"localhost\"");
        assertThatThrownBy(() -> AddressRange.parse("1234")).hasMessageContaining("not an IP");
        assertThatThrownBy(() -> AddressRange.parse("10.0.0.0/33")).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> AddressRange.parse("::/129")).hasMessageContaining("0 to 128");
        assertThatThrownBy(() -> AddressRange.parse("10.0.0.0/")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> AddressRange.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
