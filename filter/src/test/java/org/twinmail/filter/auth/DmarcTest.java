package org.twinmail.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.auth.DmarcRecord.Policy;
import org.twinmail.mail.dkim.DkimKeySource;
import org.twinmail.mail.dkim.DkimResult;

/** DMARC policy discovery, alignment and pct= against records served by {@link LocalDnsServer}; the DKIM key source over the same DNS. */
class DmarcTest {
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

    private static SpfResult spf(SpfResult.Result r, String domain) {
        return new SpfResult(r, "mailfrom", domain, "x@" + domain, "", "");
    }

    private static DkimResult dkim(DkimResult.Result r, String domain) {
        return new DkimResult(r, domain, "s", "rsa-sha256", "");
    }

    @Test
    void organizationalDomainsFromThePublicSuffixList() {
        assertThat(Dmarc.organizationalDomain("mail.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(Dmarc.organizationalDomain("a.b.example.com")).isEqualTo("example.com");
        assertThat(Dmarc.organizationalDomain("example.com")).isEqualTo("example.com");
        assertThat(Dmarc.organizationalDomain("co.uk")).isEqualTo("co.uk");
        assertThat(Dmarc.aligned("bounce.example.com", "example.com", false)).isTrue();
        assertThat(Dmarc.aligned("bounce.example.com", "example.com", true)).isFalse();
        assertThat(Dmarc.aligned("example.co.uk", "other.co.uk", false)).isFalse();
    }

    @Test
    void policyAlignmentSubdomainsAndPct() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; aspf=s");
        dns.txt("_dmarc.half.example", "v=DMARC1; p=reject; pct=0");
        dns.txt("_dmarc.broken.example", "v=DMARC1; p=maybe");
        Dmarc dmarc = new Dmarc(resolver, () -> 50);
        DmarcResult r = dmarc.evaluate("example.com", spf(SpfResult.Result.PASS, "bounce.example.com"), List.of());
        assertThat(r.result()).as("aspf=s: a subdomain's SPF pass is not aligned").isEqualTo(DmarcResult.Result.FAIL);
        assertThat(r.policy()).isEqualTo(Policy.REJECT);
        assertThat(r.enforce()).isTrue();
        assertThat(dmarc.evaluate("example.com", spf(SpfResult.Result.FAIL, "x.test"), List.of(dkim(DkimResult.Result.PASS, "mail.example.com"))).result())
                .as("adkim relaxed").isEqualTo(DmarcResult.Result.PASS);
        assertThat(dmarc.evaluate("example.com", spf(SpfResult.Result.FAIL, "x.test"), List.of(dkim(DkimResult.Result.FAIL, "example.com"))).result())
                .isEqualTo(DmarcResult.Result.FAIL);
        DmarcResult sub = dmarc.evaluate("news.example.com", spf(SpfResult.Result.NONE, "x.test"), List.of());
        assertThat(sub.policy()).as("sp= for a subdomain").isEqualTo(Policy.QUARANTINE);
        DmarcResult half = dmarc.evaluate("half.example", spf(SpfResult.Result.FAIL, "half.example"), List.of());
        assertThat(half.policy()).as("pct=0: not drawn, the next policy down").isEqualTo(Policy.QUARANTINE);
        assertThat(dmarc.evaluate("nodmarc.example", spf(SpfResult.Result.FAIL, "x.test"), List.of()).result()).isEqualTo(DmarcResult.Result.NONE);
        assertThat(dmarc.evaluate("broken.example", spf(SpfResult.Result.FAIL, "x.test"), List.of()).result()).isEqualTo(DmarcResult.Result.PERMERROR);
        dns.servfail("_dmarc.down.example");
        assertThat(dmarc.evaluate("down.example", spf(SpfResult.Result.FAIL, "x.test"), List.of()).result()).isEqualTo(DmarcResult.Result.TEMPERROR);
    }

    @Test
    void recordParser() throws Exception {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=quarantine; pct=20; adkim=s; rua=mailto:d@example.com");
        assertThat(r).isEqualTo(new DmarcRecord(Policy.QUARANTINE, Policy.QUARANTINE, 20, true, false,
                List.of(new DmarcRecord.ReportUri("d@example.com", 0))));
        // RFC 7489 6.4: several URIs, a size limit, percent-encoding; anything else is left out, never fatal
        assertThat(DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:a@Example.COM!10m , https://x.example/r,mailto:b%40x@bad").rua())
                .containsExactly(new DmarcRecord.ReportUri("a@example.com", 10L << 20));
        assertThat(DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:r%2Bdmarc@x.example!5k, mailto:c@y.example, mailto:d@z.example").rua())
                .as("at most two").containsExactly(new DmarcRecord.ReportUri("r+dmarc@x.example", 5L << 10),
                        new DmarcRecord.ReportUri("c@y.example", 0));
        assertThat(DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:%zz@x.example").rua()).isEmpty();
        for (String bad : List.of("p=reject; v=DMARC1", "v=DMARC1", "v=DMARC1; p=reject; pct=101", "v=DMARC1; p=reject; adkim=x",
                "v=DMARC1; p=reject; p=none", "v=DMARC1; p=reject; " + "x=1;".repeat(40)))
            assertThatThrownBy(() -> DmarcRecord.parse(bad)).as(bad).isInstanceOf(DmarcSyntaxException.class);
    }

    @Test
    void dkimKeysComeFromTheDns() {
        dns.txt("s._domainkey.example.com", "v=DKIM1; ", "k=rsa; p=AAAA");
        dns.servfail("s._domainkey.down.example");
        DnsKeySource keys = new DnsKeySource(resolver);
        assertThat(keys.txt("s._domainkey.example.com")).isEqualTo(new DkimKeySource.Answer.Found(List.of("v=DKIM1; k=rsa; p=AAAA")));
        assertThat(keys.txt("s._domainkey.none.example")).isInstanceOf(DkimKeySource.Answer.Missing.class);
        assertThat(keys.txt("s._domainkey.down.example")).isInstanceOf(DkimKeySource.Answer.Failed.class);
    }
}
