package org.twinmail.mail.srs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.EmailAddress;

class SrsTest {
    private static final byte[] KEY = "0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII);
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private static Srs at(Instant when) {
        return new Srs(KEY, Duration.ofDays(21), Clock.fixed(when, ZoneOffset.UTC));
    }

    @Test
    void srs0RoundTripsAndHasThePostsrsdShape() {
        Srs srs = at(NOW);
        EmailAddress rewritten = srs.forward(EmailAddress.parse("alice@orig.example"), "fwd.example").orElseThrow();
        assertThat(rewritten.domain()).isEqualTo("fwd.example");
        assertThat(rewritten.localPart()).matches("SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=orig\\.example=alice");
        assertThat(srs.reverse(rewritten)).isEqualTo(new Srs.Reversed.Valid(EmailAddress.parse("alice@orig.example")));
        // another server may change the case of the local part
        EmailAddress lower = new EmailAddress(rewritten.localPart().toLowerCase(), "fwd.example");
        assertThat(srs.reverse(lower)).isEqualTo(new Srs.Reversed.Valid(EmailAddress.parse("alice@orig.example")));
        assertThat(Srs.isSrs(rewritten.localPart())).isTrue();
        assertThat(Srs.isSrs("alice")).isFalse();
    }

    @Test
    void forgedExpiredAndOtherKeysAreRefused() {
        EmailAddress rewritten = at(NOW).forward(EmailAddress.parse("alice@orig.example"), "fwd.example").orElseThrow();
        String l = rewritten.localPart();
        EmailAddress otherTarget = new EmailAddress(l.replace("=alice", "=mallory"), "fwd.example");
        assertThat(at(NOW).reverse(otherTarget)).isInstanceOf(Srs.Reversed.Invalid.class);
        assertThat(at(NOW.plus(Duration.ofDays(20))).reverse(rewritten)).isInstanceOf(Srs.Reversed.Valid.class);
        assertThat(at(NOW.plus(Duration.ofDays(22))).reverse(rewritten))
                .isEqualTo(new Srs.Reversed.Invalid("SRS address expired"));
        Srs otherKey = new Srs("another secret, 16+ bytes".getBytes(StandardCharsets.US_ASCII), Duration.ofDays(21),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(otherKey.reverse(rewritten)).isEqualTo(new Srs.Reversed.Invalid("SRS hash does not match"));
        assertThat(at(NOW).reverse(EmailAddress.parse("SRS0=abcd@fwd.example"))).isInstanceOf(Srs.Reversed.Invalid.class);
    }

    @Test
    void aForwardedSrsAddressBecomesSrs1AndReversesToTheFirstHop() {
        Srs first = new Srs("first hop's secret key".getBytes(StandardCharsets.US_ASCII), Duration.ofDays(21), Clock.fixed(NOW, ZoneOffset.UTC));
        EmailAddress srs0 = first.forward(EmailAddress.parse("alice@orig.example"), "a.example").orElseThrow();
        Srs us = at(NOW);
        EmailAddress srs1 = us.forward(srs0, "fwd.example").orElseThrow();
        assertThat(srs1.localPart()).startsWith("SRS1=").contains("=a.example==");
        assertThat(us.reverse(srs1)).isEqualTo(new Srs.Reversed.Valid(srs0));
        // forwarding an SRS1 again keeps the first hop
        EmailAddress again = at(NOW).forward(srs1, "third.example").orElseThrow();
        assertThat(again.localPart()).contains("=a.example==");
        assertThat(us.reverse(again)).isEqualTo(new Srs.Reversed.Valid(srs0));
        assertThat(first.reverse(srs0)).isEqualTo(new Srs.Reversed.Valid(EmailAddress.parse("alice@orig.example")));
    }

    @Test
    void anAddressTooLongForALocalPartIsNotRewritten() {
        assertThat(at(NOW).forward(EmailAddress.parse("a.rather.long.local.part.indeed@a-long-domain-name.example"), "fwd.example"))
                .isEmpty();
    }
}
