package org.twinmail.filter.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.net.AddressRange;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.Client;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Verdict;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;

/** Forward-confirmed reverse DNS at the connect, against records served by {@link LocalDnsServer}. */
class ReverseDnsTest {
    private LocalDnsServer dns;
    private DnsMxResolver resolver;

    @BeforeEach
    void setUp() {
        dns = LocalDnsServer.start();
        resolver = new DnsMxResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 100, Duration.ofHours(1), 10);
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private void ptr(String ip, String... names) throws Exception {
        for (String n : names) dns.add(new PTRRecord(ReverseMap.fromAddress(InetAddress.getByName(ip)), DClass.IN, 300, Name.fromString(n + ".")));
    }

    private static Client client(String ip) throws Exception {
        return new Client(InetAddress.getByName(ip), Optional::empty, "smtp", false, null, false, Optional.empty());
    }

    private ReverseDns check(ReverseDns.Action missing, ReverseDns.Action mismatch) {
        return new ReverseDns(resolver, missing, mismatch, List.of(AddressRange.parse("198.51.100.0/24")));
    }

    @Test
    void aNameThatResolvesBackPassesWhateverTheActions() throws Exception {
        ptr("192.0.2.10", "mail.example.test");
        dns.a("mail.example.test", "192.0.2.10");
        ptr("2001:db8::25", "mx6.example.test");
        dns.aaaa("mx6.example.test", "2001:db8::25");
        ReverseDns strict = check(ReverseDns.Action.REJECT, ReverseDns.Action.REJECT);
        assertThat(strict.connect(client("192.0.2.10"))).isEqualTo(Verdict.proceed());
        assertThat(strict.connect(client("2001:db8::25"))).isEqualTo(Verdict.proceed());
    }

    @Test
    void anAddressWithoutPtrGetsTheMissingAction() throws Exception {
        Verdict v = check(ReverseDns.Action.REJECT, ReverseDns.Action.NONE).connect(client("192.0.2.20"));
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.7.25");
            assertThat(r.text()).isEqualTo("Client host rejected: cannot find your reverse hostname, [192.0.2.20]");
            assertThat(r.reason()).isEqualTo("rdns_missing");
        });
        assertThat(check(ReverseDns.Action.TAG, ReverseDns.Action.NONE).connect(client("192.0.2.20")))
                .isEqualTo(Verdict.addHeaders("rdns_missing", new HeaderField("X-Reverse-DNS", "none (no PTR for 192.0.2.20)")));
        assertThat(check(ReverseDns.Action.NONE, ReverseDns.Action.REJECT).connect(client("192.0.2.20"))).isEqualTo(Verdict.proceed());
    }

    @Test
    void aPtrWhoseNamesDoNotComeBackGetsTheMismatchAction() throws Exception {
        ptr("192.0.2.30", "forged.example.test", "other.example.test");
        dns.a("forged.example.test", "203.0.113.9");
        // other.example.test has no address at all
        Verdict v = check(ReverseDns.Action.NONE, ReverseDns.Action.REJECT).connect(client("192.0.2.30"));
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.status()).isEqualTo("5.7.25");
            assertThat(r.text()).startsWith("Client host rejected: hostname ").endsWith(" does not resolve to address 192.0.2.30");
            assertThat(r.reason()).isEqualTo("rdns_mismatch");
        });
        assertThat(check(ReverseDns.Action.NONE, ReverseDns.Action.JUNK).connect(client("192.0.2.30")))
                .isInstanceOfSatisfying(Verdict.Effects.class, e -> {
                    assertThat(e.effects()).hasSize(2);
                    assertThat(e.effects().get(1)).isEqualTo(Verdict.fileInto(SpecialUse.JUNK, java.util.Set.of("$Junk"), "rdns_mismatch"));
                });
        assertThat(check(ReverseDns.Action.REJECT, ReverseDns.Action.NONE).connect(client("192.0.2.30"))).as("a PTR is there").isEqualTo(Verdict.proceed());
    }

    @Test
    void aDnsFailureTempfailsWhereTheActionRejectsAndPassesOtherwise() throws Exception {
        dns.servfail(ReverseMap.fromAddress(InetAddress.getByName("192.0.2.40")).toString(true));
        assertThat(check(ReverseDns.Action.REJECT, ReverseDns.Action.TAG).connect(client("192.0.2.40")))
                .isInstanceOfSatisfying(Verdict.Tempfail.class, t -> {
                    assertThat(t.code()).isEqualTo(450);
                    assertThat(t.status()).isEqualTo("4.7.25");
                    assertThat(t.reason()).isEqualTo("rdns_tempfail");
                });
        assertThat(check(ReverseDns.Action.TAG, ReverseDns.Action.TAG).connect(client("192.0.2.40"))).isEqualTo(Verdict.proceed());
        // the forward lookup failing is a failure too, not a mismatch
        ptr("192.0.2.41", "slow.example.test");
        dns.servfail("slow.example.test");
        assertThat(check(ReverseDns.Action.NONE, ReverseDns.Action.REJECT).connect(client("192.0.2.41"))).isInstanceOf(Verdict.Tempfail.class);
    }

    @Test
    void allowListedAndRelayClientsAreNotLookedUp() throws Exception {
        assertThat(check(ReverseDns.Action.REJECT, ReverseDns.Action.REJECT).connect(client("198.51.100.7"))).isEqualTo(Verdict.proceed());
        TwinmailConfig.ReverseDns c = new TwinmailConfig.ReverseDns();
        c.missing = "reject";
        ReverseDns fromConfig = ReverseDns.fromConfig(c, List.of("203.0.113.0/24"), resolver);
        assertThat(fromConfig.connect(client("203.0.113.5"))).as("relay network").isEqualTo(Verdict.proceed());
        assertThat(fromConfig.connect(client("127.0.0.1"))).as("loopback, allow-listed by default").isEqualTo(Verdict.proceed());
        assertThat(fromConfig.connect(client("192.0.2.50"))).isInstanceOf(Verdict.Reject.class);
        assertThat(dns.queries(ReverseMap.fromAddress(InetAddress.getByName("198.51.100.7")).toString(true), org.xbill.DNS.Type.PTR)).isZero();
    }

    @Test
    void settingsAreChecked() {
        TwinmailConfig.ReverseDns c = new TwinmailConfig.ReverseDns();
        assertThat(ReverseDns.enabled(c)).as("off by default").isFalse();
        c.mismatch = "Tag";
        assertThat(ReverseDns.enabled(c)).isTrue();
        c.missing = "bounce";
        assertThatThrownBy(() -> ReverseDns.enabled(c)).hasMessageContaining("filter.reverseDns.missing");
    }
}
