package org.twinmail.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.fuzz.Fuzzing;

/**
 * Fuzz targets for the SPF and DMARC record parsers (docs/fuzzing.md): TXT records that anyone
 * publishes in DNS. A record is parsed or refused with {@link SpfSyntaxException} / {@link
 * DmarcSyntaxException} (a permerror), and an SPF macro expands to text bounded by the record
 * and the identities it names. (DKIM's records are fuzzed in the mail library.) Regression inputs:
 * {@code src/test/resources/org/twinmail/filter/auth/AuthRecordsFuzzTestInputs/<target>}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AuthRecordsFuzzTest {
    private static final SpfMacro.Context CONTEXT = context();

    @FuzzTest
    @DictionaryEntries({"v=spf1 ", " ip4:", " ip6:", " a", " mx", " ptr", " include:", " exists:", " redirect=", " exp=", " -all", " ~all",
            "%{", "}", "%{ir}", "%{d2}", "/24", "//64", ":", "%%", "%_", "%-"})
    void spfRecord(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        SpfRecord r = Fuzzing.parse(() -> SpfRecord.parse(in), SpfSyntaxException.class);
        if (r == null) return;
        Fuzzing.bounded("directives", r.directives().size(), SpfRecord.MAX_TERMS, 1, 0);
        for (SpfRecord.Directive d : r.directives()) {
            if (d.domainSpec() == null) continue;
            String expanded = Fuzzing.parse(() -> SpfMacro.expand(d.domainSpec(), CONTEXT, false), SpfSyntaxException.class);
            // a domain-spec validated at parse time expands
            assertThat(expanded).isNotNull();
            Fuzzing.bounded("expansion", expanded.length(), d.domainSpec().length(), 3 * 64, 0);
        }
    }

    @FuzzTest
    void spfMacro(FuzzedDataProvider data) {
        boolean exp = data.consumeBoolean();
        String in = data.consumeRemainingAsString();
        String expanded = Fuzzing.parse(() -> SpfMacro.expand(in, CONTEXT, exp), SpfSyntaxException.class);
        if (expanded != null) Fuzzing.bounded("expansion", expanded.length(), in.length(), 3 * 64, 0);
    }

    @FuzzTest
    @DictionaryEntries({"v=DMARC1", "; p=", "reject", "quarantine", "none", "; sp=", "; pct=", "; adkim=s", "; aspf=r", "; rua=mailto:"})
    void dmarcRecord(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        DmarcRecord r = Fuzzing.parse(() -> DmarcRecord.parse(in), DmarcSyntaxException.class);
        if (r != null) assertThat(r.pct()).isBetween(0, 100);
        Fuzzing.parse(() -> DmarcRecord.isDmarc(in));
    }

    @Test
    void macroExpansionIsLinear() {
        Fuzzing.linear("macro string", 2000, n -> Fuzzing.repeat("%{ir}.", 6 * n), s -> {
            try {
                SpfMacro.expand(s, CONTEXT, false);
            } catch (SpfSyntaxException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static SpfMacro.Context context() {
        try {
            // 64 characters at most in each identity, so an expansion is at most 3 * 64 per input character (URL escaping)
            return new SpfMacro.Context("user@example.com", "user", "example.com", "example.com",
                    InetAddress.getByName("2001:db8::1"), "mail.example.com", "mx.example.org", 1_700_000_000L);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
