package org.twinmail.filter.dnsbl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.net.AddressRange;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.Client;
import org.twinmail.filter.Verdict;

/** Postscreen-style DNSBL scoring against lists served by {@link LocalDnsServer}. */
class DnsblTest {
    private LocalDnsServer dns;
    private DnsMxResolver resolver;

    @BeforeEach
    void setUp() {
        dns = LocalDnsServer.start();
        resolver = new DnsMxResolver(List.of(dns.address()), Duration.ofSeconds(1), 0, 100, Duration.ofHours(1), 10);
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private static Client client(String ip) throws Exception {
        return new Client(InetAddress.getByName(ip), Optional::empty, "smtp", false, null, false, Optional.empty());
    }

    private Dnsbl dnsbl(int threshold, List<String> allow, String... lists) {
        return new Dnsbl(resolver, List.of(lists).stream().map(Dnsbl.DnsList::parse).toList(), threshold,
                allow.stream().map(AddressRange::parse).toList());
    }

    @Test
    void weightsAddUpToTheThresholdAndTheReplyNamesTheList() throws Exception {
        dns.a("2.2.0.192.zen.test", "127.0.0.2");
        dns.a("2.2.0.192.weak.test", "127.0.0.2");
        dns.a("3.2.0.192.weak.test", "127.0.0.2");
        dns.a("4.2.0.192.zen.test", "127.0.0.4");
        dns.a("4.2.0.192.dnswl.test", "127.0.0.15");
        Dnsbl d = dnsbl(3, List.of("192.0.2.128/25"), "zen.test*3", "weak.test", "dnswl.test*-5");
        Verdict v = d.connect(client("192.0.2.2"));
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.7.1");
            assertThat(r.text()).isEqualTo("Service unavailable; client [192.0.2.2] blocked using zen.test");
            assertThat(r.reason()).isEqualTo("dnsbl_listed");
        });
        assertThat(d.connect(client("192.0.2.3"))).as("weight 1 of 3").isEqualTo(Verdict.proceed());
        assertThat(d.connect(client("192.0.2.4"))).as("allow-listed by a negative weight").isEqualTo(Verdict.proceed());
        assertThat(d.connect(client("192.0.2.5"))).as("not listed").isEqualTo(Verdict.proceed());
        dns.a("2.130.0.192.zen.test", "127.0.0.2");
        assertThat(d.connect(client("192.0.2.130"))).as("allow network, not looked up").isEqualTo(Verdict.proceed());
        assertThat(dns.queries("2.130.0.192.zen.test.", org.xbill.DNS.Type.A)).isZero();
    }

    @Test
    void onlyTheAnswersAskedForCountAndAFailingListDoesNot() throws Exception {
        dns.a("7.2.0.192.pbl.test", "127.0.0.10");
        dns.a("8.2.0.192.pbl.test", "127.0.0.4");
        Dnsbl d = dnsbl(1, List.of(), "pbl.test=127.0.0.[2;4]", "down.test*5");
        dns.servfail("7.2.0.192.down.test");
        dns.servfail("8.2.0.192.down.test");
        assertThat(d.connect(client("192.0.2.7"))).isEqualTo(Verdict.proceed());
        assertThat(d.connect(client("192.0.2.8"))).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void ipv6IsLookedUpByNibblesAndListsParseStrictly() throws Exception {
        assertThat(Dnsbl.query(InetAddress.getByName("2001:db8::1"), "zen.test"))
                .isEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.test");
        assertThat(Dnsbl.DnsList.parse("Zen.Test=127.0.0.2*-3")).isEqualTo(new Dnsbl.DnsList("zen.test", List.of("127.0.0.2"), -3));
        for (String bad : List.of("zen", "zen.test*x", "zen.test=10.0.0.1", "zen.test=127.0.0.300"))
            assertThatThrownBy(() -> Dnsbl.DnsList.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
}
