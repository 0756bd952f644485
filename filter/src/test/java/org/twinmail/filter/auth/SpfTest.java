package org.twinmail.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.auth.SpfResult.Result;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;

/** SPF against records served by {@link LocalDnsServer}, through the real resolver. */
class SpfTest {
    private LocalDnsServer dns;
    private Spf spf;

    @BeforeEach
    void setUp() {
        dns = LocalDnsServer.start();
        DnsMxResolver resolver = new DnsMxResolver(List.of(dns.address()), Duration.ofSeconds(2), 1, 100, Duration.ofHours(1), 10);
        spf = new Spf(resolver, "mx.twinmail.test", Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC));
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private Result check(String ip, String sender) throws Exception {
        return spf.check(ip(ip), sender, "helo.client.test").result();
    }

    @Test
    void ip4PassFailSoftfailNeutralNone() throws Exception {
        dns.txt("example.com", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
        dns.txt("soft.example", "v=spf1 ip4:192.0.2.1 ~all");
        dns.txt("neutral.example", "v=spf1 ?all");
        dns.txt("plain.example", "some other text");
        assertThat(check("192.0.2.77", "alice@example.com")).isEqualTo(Result.PASS);
        assertThat(check("2001:db8::5", "alice@example.com")).isEqualTo(Result.PASS);
        assertThat(check("198.51.100.1", "alice@example.com")).isEqualTo(Result.FAIL);
        assertThat(check("198.51.100.1", "alice@soft.example")).isEqualTo(Result.SOFTFAIL);
        assertThat(check("198.51.100.1", "alice@neutral.example")).isEqualTo(Result.NEUTRAL);
        assertThat(check("198.51.100.1", "alice@plain.example")).isEqualTo(Result.NONE);
        assertThat(check("198.51.100.1", "alice@nowhere.example")).isEqualTo(Result.NONE);
        SpfResult r = spf.check(ip("198.51.100.1"), "alice@example.com", "h.test");
        assertThat(r.identity()).isEqualTo("mailfrom");
        assertThat(r.domain()).isEqualTo("example.com");
        assertThat(r.reason()).isEqualTo("example.com: fail by all");
    }

    @Test
    void aMxPtrAndTheHeloIdentity() throws Exception {
        dns.txt("example.com", "v=spf1 a mx:example.com/28 ptr -all");
        dns.a("example.com", "192.0.2.10");
        dns.mx("example.com", 10, "mail.example.com");
        dns.a("mail.example.com", "198.51.100.32");
        dns.add(new PTRRecord(ReverseMap.fromAddress("203.0.113.9"), DClass.IN, 300, Name.fromString("out.example.com.")));
        dns.a("out.example.com", "203.0.113.9");
        dns.add(new PTRRecord(ReverseMap.fromAddress("203.0.113.10"), DClass.IN, 300, Name.fromString("liar.example.com.")));
        assertThat(check("192.0.2.10", "a@example.com")).isEqualTo(Result.PASS);
        assertThat(check("198.51.100.40", "a@example.com")).as("mx with /28").isEqualTo(Result.PASS);
        assertThat(check("198.51.100.50", "a@example.com")).isEqualTo(Result.FAIL);
        assertThat(check("203.0.113.9", "a@example.com")).as("ptr, forward-confirmed").isEqualTo(Result.PASS);
        assertThat(check("203.0.113.10", "a@example.com")).as("ptr not confirmed").isEqualTo(Result.FAIL);
        // the null sender: HELO identity, postmaster@helo
        dns.txt("helo.example.com", "v=spf1 ip4:192.0.2.99 -all");
        SpfResult r = spf.check(ip("192.0.2.99"), "", "HELO.example.com");
        assertThat(r.result()).isEqualTo(Result.PASS);
        assertThat(r.identity()).isEqualTo("helo");
        assertThat(r.sender()).isEqualTo("postmaster@helo.example.com");
    }

    @Test
    void includeRedirectAndExp() throws Exception {
        dns.txt("example.com", "v=spf1 include:_spf.provider.test -all exp=explain.%{d}");
        dns.txt("_spf.provider.test", "v=spf1 ip4:198.51.100.0/24 ~all");
        dns.txt("explain.example.com", "%{i} is not one of %{d}'s designated mail servers.");
        dns.txt("example.org", "v=spf1 redirect=example.com");
        dns.txt("broken-include.test", "v=spf1 include:nospf.test -all");
        dns.txt("nospf.test", "nothing");
        dns.txt("broken-redirect.test", "v=spf1 redirect=nospf.test");
        assertThat(check("198.51.100.7", "a@example.com")).isEqualTo(Result.PASS);
        SpfResult fail = spf.check(ip("192.0.2.7"), "a@example.com", "h");
        assertThat(fail.result()).as("include's softfail is no match: the outer -all decides").isEqualTo(Result.FAIL);
        assertThat(fail.explanation()).isEqualTo("192.0.2.7 is not one of example.com's designated mail servers.");
        assertThat(check("198.51.100.7", "a@example.org")).isEqualTo(Result.PASS);
        assertThat(check("192.0.2.7", "a@example.org")).isEqualTo(Result.FAIL);
        assertThat(check("192.0.2.7", "a@broken-include.test")).as("include of a domain without SPF").isEqualTo(Result.PERMERROR);
        assertThat(check("192.0.2.7", "a@broken-redirect.test")).isEqualTo(Result.PERMERROR);
    }

    @Test
    void permerrorsSyntaxAndLimits() throws Exception {
        dns.txt("bad1.test", "v=spf1 ip4:300.1.1.1 -all");
        dns.txt("bad2.test", "v=spf1 foo -all");
        dns.txt("bad3.test", "v=spf1 a:%{z}.x -all");
        dns.txt("two.test", "v=spf1 -all");
        dns.add(new org.xbill.DNS.TXTRecord(Name.fromString("two.test."), DClass.IN, 300, "v=spf1 +all"));
        for (String d : List.of("bad1.test", "bad2.test", "bad3.test", "two.test"))
            assertThat(check("192.0.2.1", "a@" + d)).as(d).isEqualTo(Result.PERMERROR);
        // eleven includes in a chain: the eleventh DNS-querying term is one too many
        for (int i = 0; i < 11; i++) dns.txt("l" + i + ".test", "v=spf1 include:l" + (i + 1) + ".test -all");
        dns.txt("l11.test", "v=spf1 +all");
        SpfResult r = spf.check(ip("192.0.2.1"), "a@l0.test", "h");
        assertThat(r.result()).isEqualTo(Result.PERMERROR);
        assertThat(r.reason()).contains("more than 10 DNS lookups");
        for (int i = 0; i < 10; i++) dns.txt("m" + i + ".test", "v=spf1 include:m" + (i + 1) + ".test -all"); // ten are allowed
        dns.txt("m10.test", "v=spf1 +all");
        assertThat(check("192.0.2.1", "a@m0.test")).isEqualTo(Result.PASS);
        // three lookups that find nothing
        dns.txt("void.test", "v=spf1 a:n1.void.test a:n2.void.test a:n3.void.test +all");
        r = spf.check(ip("192.0.2.1"), "a@void.test", "h");
        assertThat(r.result()).isEqualTo(Result.PERMERROR);
        assertThat(r.reason()).contains("void");
    }

    @Test
    void temperrorWhenTheDnsFails() throws Exception {
        dns.servfail("example.com");
        assertThat(check("192.0.2.1", "a@example.com")).isEqualTo(Result.TEMPERROR);
        dns.txt("inc.test", "v=spf1 a:down.test -all");
        dns.servfail("down.test");
        assertThat(check("192.0.2.1", "a@inc.test")).isEqualTo(Result.TEMPERROR);
    }

    @Test
    void macrosInExists() throws Exception {
        // RFC 7208 7.4's example: %{ir}.%{l1r+-}._spf.%{d}
        dns.txt("email.example.com", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all");
        dns.a("3.2.0.192.strong._spf.email.example.com", "127.0.0.2");
        assertThat(check("192.0.2.3", "strong-bad@email.example.com")).isEqualTo(Result.PASS);
        assertThat(check("192.0.2.4", "strong-bad@email.example.com")).isEqualTo(Result.FAIL);
    }

    @Test
    void macroExpansionAsInRfc7208() throws Exception {
        var ctx = new SpfMacro.Context("strong-bad@email.example.com", "strong-bad", "email.example.com", "email.example.com",
                ip("192.0.2.3"), "helo.test", "mx.test", 1);
        String[] cases = {
            "%{s}", "strong-bad@email.example.com", "%{o}", "email.example.com", "%{d}", "email.example.com",
            "%{d4}", "email.example.com", "%{d3}", "email.example.com", "%{d2}", "example.com", "%{d1}", "com",
            "%{dr}", "com.example.email", "%{d2r}", "example.email", "%{l}", "strong-bad", "%{l-}", "strong.bad",
            "%{lr}", "strong-bad", "%{lr-}", "bad.strong", "%{l1r-}", "strong",
            "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com",
            "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", "%%%_%-", "% %20"};
        for (int i = 0; i < cases.length; i += 2) assertThat(SpfMacro.expand(cases[i], ctx, false)).as(cases[i]).isEqualTo(cases[i + 1]);
        var v6 = new SpfMacro.Context("s@example.com", "s", "example.com", "email.example.com", ip("2001:db8::cb01"), "h", "r", 1);
        assertThat(SpfMacro.expand("%{ir}.%{v}._spf.%{d2}", v6, false))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
        assertThat(SpfMacro.expand("%{S}", new SpfMacro.Context("a b@x.y", "a b", "x.y", "x.y", ip("192.0.2.3"), "h", "r", 1), true)).isEqualTo("a%20b%40x.y");
        assertThatThrownBy(() -> SpfMacro.expand("%{c}", ctx, false)).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> SpfMacro.expand("%{d0}", ctx, false)).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> SpfMacro.expand("%x", ctx, false)).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> SpfMacro.expand("%{d", ctx, false)).isInstanceOf(SpfSyntaxException.class);
    }

    @Test
    void recordParser() throws Exception {
        SpfRecord r = SpfRecord.parse("v=spf1 -ip4:192.0.2.0/24 ~a:x.test/24//64 ?mx +include:y.test exists:%{i}.z foo=bar redirect=r.test exp=e.test");
        assertThat(r.directives()).extracting(SpfRecord.Directive::mechanism).containsExactly(
                SpfRecord.Mechanism.IP4, SpfRecord.Mechanism.A, SpfRecord.Mechanism.MX, SpfRecord.Mechanism.INCLUDE, SpfRecord.Mechanism.EXISTS);
        assertThat(r.directives().get(1).cidr4()).isEqualTo(24);
        assertThat(r.directives().get(1).cidr6()).isEqualTo(64);
        assertThat(r.directives().get(1).qualifier()).isEqualTo(Result.SOFTFAIL);
        assertThat(r.redirect()).isEqualTo("r.test");
        assertThat(r.exp()).isEqualTo("e.test");
        for (String bad : List.of("v=spf1 redirect=a.test redirect=b.test", "v=spf1 ip4:1.2.3.4/33", "v=spf1 a/33", "v=spf1 include",
                "v=spf1 all:x", "v=spf1 ip6:1.2.3.4", "v=spf1 " + "all ".repeat(101), "v=spf2 -all", "v=spf1 " + "a".repeat(5000)))
            assertThatThrownBy(() -> SpfRecord.parse(bad)).as(bad).isInstanceOf(SpfSyntaxException.class);
    }
}
