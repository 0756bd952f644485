package org.twinmail.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Type;

/** The general lookups (A, AAAA, TXT, PTR) the filters use, against {@link LocalDnsServer}. */
class DnsLookupsTest {
    private LocalDnsServer dns;
    private DnsLookups lookups;

    @BeforeEach
    void start() {
        dns = LocalDnsServer.start();
        lookups = new DnsMxResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 1000, Duration.ofHours(1), 10);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void dnsblStyleALookupAnswersRecordsOrNxDomainAndIsCached() throws Exception {
        dns.a("2.0.0.127.bl.example", "127.0.0.2", "127.0.0.4");
        assertThat(lookups.a("2.0.0.127.bl.example").values())
                .containsExactly(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.4"));
        assertThat(lookups.a("3.0.0.127.bl.example")).isInstanceOf(DnsAnswer.NxDomain.class);
        assertThat(lookups.a("3.0.0.127.bl.example").values()).isEmpty();
        lookups.a("2.0.0.127.bl.example");
        lookups.a("3.0.0.127.bl.example");
        // One query each: positive and negative answers come from the one cache the MX lookups use.
        assertThat(dns.queries("2.0.0.127.bl.example", Type.A)).isEqualTo(1);
        assertThat(dns.queries("3.0.0.127.bl.example", Type.A)).isEqualTo(1);
    }

    @Test
    void aaaaAndNoDataAreTold() throws Exception {
        dns.aaaa("v6.example", "2001:db8::1").a("v4.example", "192.0.2.1");
        assertThat(lookups.aaaa("v6.example").values()).containsExactly(InetAddress.getByName("2001:db8::1"));
        assertThat(lookups.aaaa("v4.example")).isInstanceOf(DnsAnswer.NoData.class);
    }

    @Test
    void txtJoinsTheCharacterStringsOfEachRecord() {
        dns.txt("example.com", "v=spf1 ip4:192.0.2.0/24 ", "-all").txt("example.com", "google-site-verification=x");
        assertThat(lookups.txt("example.com").values())
                .containsExactlyInAnyOrder("v=spf1 ip4:192.0.2.0/24 -all", "google-site-verification=x");
        dns.txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=MIIB", "IjANBg");
        assertThat(lookups.txt("sel._domainkey.example.com").values()).containsExactly("v=DKIM1; k=rsa; p=MIIBIjANBg");
    }

    @Test
    void ptrGivesLowerCaseHostNamesWithoutTheDot() throws Exception {
        InetAddress v4 = InetAddress.getByName("192.0.2.25");
        dns.add(new PTRRecord(ReverseMap.fromAddress(v4), DClass.IN, 300, Name.fromString("Mail.Example.COM.")));
        assertThat(lookups.ptr(v4).values()).containsExactly("mail.example.com");
        InetAddress v6 = InetAddress.getByName("2001:db8::25");
        dns.add(new PTRRecord(ReverseMap.fromAddress(v6), DClass.IN, 300, Name.fromString("mx6.example.com.")));
        assertThat(lookups.ptr(v6).values()).containsExactly("mx6.example.com");
        assertThat(lookups.ptr(InetAddress.getByName("192.0.2.26"))).isInstanceOf(DnsAnswer.NxDomain.class);
    }

    @Test
    void failuresAreAnswersNotExceptions() {
        dns.servfail("broken.example").noAnswer("silent.example");
        assertThat(lookups.txt("broken.example")).isInstanceOf(DnsAnswer.Failed.class);
        DnsAnswer<String> silent = lookups.txt("silent.example");
        assertThat(silent).isInstanceOf(DnsAnswer.Failed.class);
        assertThat(((DnsAnswer.Failed<String>) silent).reason()).contains("silent.example/TXT").contains("timed out");
        assertThat(lookups.a("bad..name")).isInstanceOf(DnsAnswer.Failed.class);
    }
}
