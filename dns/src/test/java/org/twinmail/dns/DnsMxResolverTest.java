package org.twinmail.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.xbill.DNS.Type;

/** The resolver against {@link LocalDnsServer}: never the real DNS. */
class DnsMxResolverTest {
    private LocalDnsServer dns;

    @BeforeEach
    void start() {
        dns = LocalDnsServer.start();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private DnsMxResolver resolver(Duration timeout, int retries, LocalDnsServer... servers) {
        List<InetSocketAddress> list = servers.length == 0 ? List.of(dns.address()) : java.util.Arrays.stream(servers).map(LocalDnsServer::address).toList();
        return new DnsMxResolver(list, timeout, retries, 1000, Duration.ofHours(1), 10);
    }

    private DnsMxResolver resolver() {
        return resolver(Duration.ofSeconds(2), 1);
    }

    private static List<String> names(MxLookup result) {
        assertThat(result).isInstanceOf(MxLookup.Hosts.class);
        return ((MxLookup.Hosts) result).hosts().stream().map(MxHost::name).toList();
    }

    private static MxHost only(MxLookup result) {
        assertThat(result).isInstanceOf(MxLookup.Hosts.class);
        List<MxHost> hosts = ((MxLookup.Hosts) result).hosts();
        assertThat(hosts).hasSize(1);
        return hosts.getFirst();
    }

    @Test
    void hostsComeInPreferenceOrderWithEqualPreferencesShuffled() {
        dns.mx("example.com", 20, "b.mx.example.com").mx("example.com", 10, "a.mx.example.com")
                .mx("example.com", 20, "c.mx.example.com").mx("example.com", 5, "first.mx.example.com")
                .a("a.mx.example.com", "192.0.2.1").a("b.mx.example.com", "192.0.2.2")
                .a("c.mx.example.com", "192.0.2.3").a("first.mx.example.com", "192.0.2.4");
        DnsMxResolver r = resolver();
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            List<String> n = names(r.lookup("example.com"));
            assertThat(n.subList(0, 2)).containsExactly("first.mx.example.com", "a.mx.example.com");
            assertThat(n.subList(2, 4)).containsExactlyInAnyOrder("b.mx.example.com", "c.mx.example.com");
            orders.add(n);
        }
        // Both orders of the two preference-20 hosts; the chance that 60 shuffles all agree is 2^-59.
        assertThat(orders).hasSize(2);
        MxHost first = ((MxLookup.Hosts) r.lookup("example.com")).hosts().getFirst();
        assertThat(first.preference()).isEqualTo(5);
        assertThat(first.implicitMx()).isFalse();
        // The MX answer was cached: one query however many lookups.
        assertThat(dns.queries("example.com", Type.MX)).isEqualTo(1);
    }

    @Test
    void eachHostHasItsIpv4AddressesThenItsIpv6Ones() throws Exception {
        dns.mx("example.org", 10, "mx.example.org")
                .aaaa("mx.example.org", "2001:db8::25").a("mx.example.org", "192.0.2.25", "192.0.2.26");
        MxHost host = only(resolver().lookup("example.org"));
        assertThat(host.addresses()).hasSize(3);
        assertThat(host.addresses().subList(0, 2)).containsExactlyInAnyOrder(
                InetAddress.getByName("192.0.2.25"), InetAddress.getByName("192.0.2.26"));
        assertThat(host.addresses().get(2)).isEqualTo(InetAddress.getByName("2001:db8::25"));
    }

    @Test
    void aDomainWithoutMxIsItsOwnMailHost() throws Exception {
        dns.a("plain.example", "192.0.2.7").aaaa("plain.example", "2001:db8::7");
        MxHost host = only(resolver().lookup("plain.example"));
        assertThat(host.name()).isEqualTo("plain.example");
        assertThat(host.implicitMx()).isTrue();
        assertThat(host.preference()).isZero();
        assertThat(host.addresses()).containsExactly(InetAddress.getByName("192.0.2.7"), InetAddress.getByName("2001:db8::7"));
    }

    @Test
    void aDomainWithNeitherMxNorAddressesHasNoMailHost() {
        dns.txt("words.example", "v=spf1 -all");
        assertThat(resolver().lookup("words.example")).isInstanceOf(MxLookup.NoSuchDomain.class);
    }

    @Test
    void aNullMxRefusesMail() {
        dns.nullMx("nomail.example").a("nomail.example", "192.0.2.9");
        assertThat(resolver().lookup("nomail.example")).isInstanceOf(MxLookup.NullMx.class);
    }

    @Test
    void aRootExchangeNextToRealOnesIsSkipped() {
        dns.nullMx("mixed.example").mx("mixed.example", 10, "mx.mixed.example").a("mx.mixed.example", "192.0.2.30");
        assertThat(names(resolver().lookup("mixed.example"))).containsExactly("mx.mixed.example");
    }

    @Test
    void nxdomainIsPermanent() {
        MxLookup result = resolver().lookup("nowhere.example");
        assertThat(result).isInstanceOf(MxLookup.NoSuchDomain.class);
        assertThat(((MxLookup.NoSuchDomain) result).reason()).contains("NXDOMAIN");
    }

    @Test
    void servfailIsTemporary() {
        dns.servfail("broken.example");
        DnsMxResolver r = resolver();
        assertThat(r.lookup("broken.example")).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(r.lookup("broken.example")).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(dns.queries("broken.example", Type.MX)).as("a failure is not cached").isEqualTo(2);
    }

    @Test
    void aServerThatNeverAnswersIsATemporaryFailureWithinTheTimeouts() {
        dns.noAnswer("slow.example");
        long start = System.nanoTime();
        MxLookup result = resolver(Duration.ofMillis(200), 1).lookup("slow.example");
        assertThat(result).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(((MxLookup.TemporaryFailure) result).reason()).contains("timed out");
        assertThat(dns.queries("slow.example", Type.MX)).isEqualTo(2); // the first attempt and one retry
        // Generous bound (two 200 ms attempts): it proves the lookup gives up, not how fast.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aDeadServerIsPassedOverForTheNextOne() {
        try (LocalDnsServer dead = LocalDnsServer.start()) {
            dead.dropAll(true);
            dns.mx("two.example", 10, "mx.two.example").a("mx.two.example", "192.0.2.40");
            DnsMxResolver r = resolver(Duration.ofMillis(300), 0, dead, dns);
            assertThat(names(r.lookup("two.example"))).containsExactly("mx.two.example");
        }
    }

    @Test
    void cnamesAreFollowedForTheDomainAndForMxHosts() throws Exception {
        dns.cname("alias.example", "real.example").mx("real.example", 10, "mxalias.real.example")
                .cname("mxalias.real.example", "mx.real.example").a("mx.real.example", "192.0.2.50");
        MxHost host = only(resolver().lookup("alias.example"));
        assertThat(host.name()).isEqualTo("mxalias.real.example");
        assertThat(host.addresses()).containsExactly(InetAddress.getByName("192.0.2.50"));
    }

    @Test
    void anMxNamingAnIpAddressIsNotUsed() {
        dns.mx("numeric.example", 10, "192.0.2.60");
        MxLookup result = resolver().lookup("numeric.example");
        assertThat(result).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(((MxLookup.TemporaryFailure) result).reason()).contains("192.0.2.60 is an IP address");

        dns.mx("numeric2.example", 10, "192.0.2.61").mx("numeric2.example", 20, "mx.numeric2.example")
                .a("mx.numeric2.example", "192.0.2.62");
        assertThat(names(resolver().lookup("numeric2.example"))).containsExactly("mx.numeric2.example");
    }

    @Test
    void mxHostsWithoutAddressesAreSkippedAndNoneAtAllIsTemporary() {
        dns.mx("half.example", 10, "gone.half.example").mx("half.example", 20, "mx.half.example")
                .a("mx.half.example", "192.0.2.70");
        assertThat(names(resolver().lookup("half.example"))).containsExactly("mx.half.example");

        dns.mx("none.example", 10, "gone.none.example").mx("none.example", 20, "noaddr.none.example")
                .txt("noaddr.none.example", "here but without addresses");
        MxLookup result = resolver().lookup("none.example");
        assertThat(result).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(((MxLookup.TemporaryFailure) result).reason())
                .contains("gone.none.example: no such host").contains("noaddr.none.example: no A or AAAA records");
    }

    @Test
    void aTimedOutMxHostIsSkippedButNamedWhenItWasTheOnlyOne() {
        dns.mx("lag.example", 10, "mx.lag.example").noAnswer("mx.lag.example");
        MxLookup result = resolver(Duration.ofMillis(200), 0).lookup("lag.example");
        assertThat(result).isInstanceOf(MxLookup.TemporaryFailure.class);
        assertThat(((MxLookup.TemporaryFailure) result).reason()).contains("mx.lag.example: A lookup failed: timed out");
    }

    @Test
    void answersAreCachedWithinTheirTtl() {
        // a TTL no run of this test outlives, however loaded the machine
        dns.ttl(300).mx("kept.example", 10, "mx.kept.example").a("mx.kept.example", "192.0.2.81");
        DnsMxResolver r = resolver();
        names(r.lookup("kept.example"));
        names(r.lookup("kept.example"));
        assertThat(dns.queries("kept.example", Type.MX)).isEqualTo(1);
    }

    @Test
    void answersAreAskedAgainOnceTheirTtlRanOut() throws Exception {
        dns.ttl(1).mx("brief.example", 10, "mx.brief.example").a("mx.brief.example", "192.0.2.80");
        DnsMxResolver r = resolver();
        names(r.lookup("brief.example"));
        int first = dns.queries("brief.example", Type.MX);
        assertThat(first).isEqualTo(1);
        Thread.sleep(2200); // the record's one-second TTL must run out (dnsjava's cache counts whole seconds)
        names(r.lookup("brief.example"));
        assertThat(dns.queries("brief.example", Type.MX)).isEqualTo(first + 1);
    }

    @Test
    void nonexistentDomainsAreCachedNegatively() {
        DnsMxResolver r = resolver();
        r.lookup("missing.example");
        r.lookup("missing.example");
        assertThat(dns.queries("missing.example", Type.MX)).isEqualTo(1);
    }

    @Test
    void aTruncatedUdpAnswerIsFetchedAgainOverTcp() {
        String[] many = new String[120];
        for (int i = 0; i < many.length; i++) many[i] = "198.51.100." + (i + 1);
        dns.mx("big.example", 10, "mx.big.example").a("mx.big.example", many);
        assertThat(only(resolver().lookup("big.example")).addresses()).hasSize(120);
    }

    @Test
    void onlyTheMostPreferredHostsAreResolved() {
        for (int i = 0; i < 15; i++) dns.mx("wide.example", i, "mx" + i + ".wide.example").a("mx" + i + ".wide.example", "192.0.2." + (100 + i));
        DnsMxResolver r = new DnsMxResolver(List.of(dns.address()), Duration.ofSeconds(2), 1, 1000, Duration.ofHours(1), 3);
        assertThat(names(r.lookup("wide.example"))).containsExactly("mx0.wide.example", "mx1.wide.example", "mx2.wide.example");
        assertThat(dns.queries("mx3.wide.example", Type.A)).isZero();
    }

    @Test
    void badDomainNamesAreRefusedWithoutAQuery() {
        assertThat(resolver().lookup("")).isInstanceOf(MxLookup.NoSuchDomain.class);
        assertThat(resolver().lookup("a..b")).isInstanceOf(MxLookup.NoSuchDomain.class);
    }

    @Test
    void serverAddressesParse() {
        assertThat(DnsMxResolver.parseServer("127.0.0.1")).isEqualTo(new InetSocketAddress("127.0.0.1", 53));
        assertThat(DnsMxResolver.parseServer(" 127.0.0.1:5353 ")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
        assertThat(DnsMxResolver.parseServer("[::1]:5353")).isEqualTo(new InetSocketAddress("::1", 5353));
        assertThat(DnsMxResolver.parseServer("::1")).isEqualTo(new InetSocketAddress("::1", 53));
        assertThatThrownBy(() -> DnsMxResolver.parseServer("127.0.0.1:99999")).hasMessageContaining("bad port");
        assertThatThrownBy(() -> DnsMxResolver.parseServer("[::1:53")).hasMessageContaining("unclosed");
    }

    @Test
    void theConfigurationBuildsAResolver() {
        TwinmailConfig.Relay.Dns c = new TwinmailConfig.Relay.Dns();
        c.servers = List.of(dns.hostPort());
        dns.mx("conf.example", 10, "mx.conf.example").a("mx.conf.example", "192.0.2.90");
        assertThat(names(DnsMxResolver.fromConfig(c).lookup("conf.example"))).containsExactly("mx.conf.example");
        c.retries = -1;
        assertThatThrownBy(() -> DnsMxResolver.fromConfig(c)).hasMessageContaining("relay.dns.retries");
    }
}
