package org.twinmail.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SenderPatternTest {
    @Test
    void normalFormsOfAddressesDomainsAndWildcards() {
        assertThat(SenderPattern.parse(" Alice@Spam.Example ").text()).isEqualTo("alice@spam.example");
        assertThat(SenderPattern.parse("spam.example").text()).isEqualTo("*@spam.example");
        assertThat(SenderPattern.parse("@spam.example").text()).isEqualTo("*@spam.example");
        assertThat(SenderPattern.parse("*@spam.example").text()).isEqualTo("*@spam.example");
        assertThat(SenderPattern.parse("*.example").text()).isEqualTo("*@*.example");
        assertThat(SenderPattern.parse("alice@spam.example").specificity()).isEqualTo(3);
        assertThat(SenderPattern.parse("spam.example").specificity()).isEqualTo(2);
        assertThat(SenderPattern.parse("*.example").specificity()).isEqualTo(1);
    }

    @Test
    void matchesCaseInsensitivelyAndOnlyWhatItSays() {
        SenderPattern domain = SenderPattern.parse("*@spam.example");
        assertThat(domain.matches("Bob@SPAM.example")).isTrue();
        assertThat(domain.matches("bob@sub.spam.example")).isFalse();
        assertThat(domain.matches("bob@notspam.example")).isFalse();
        SenderPattern subdomains = SenderPattern.parse("*.example");
        assertThat(subdomains.matches("x@a.example")).isTrue();
        assertThat(subdomains.matches("x@a.b.example")).isTrue();
        assertThat(subdomains.matches("x@example")).isFalse();
        assertThat(subdomains.matches("x@a.example.org")).isFalse();
        SenderPattern news = SenderPattern.parse("news-*@shop.example");
        assertThat(news.matches("news-daily@shop.example")).isTrue();
        assertThat(news.matches("info@shop.example")).isFalse();
        assertThat(SenderPattern.parse("alice@spam.example").matches("alice@spam.example")).isTrue();
        assertThat(domain.matches("")).isFalse(); // the null sender
    }

    @Test
    void manyStarsStayFastOnHostileInput() {
        SenderPattern p = SenderPattern.parse("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b@x.example");
        long t0 = System.nanoTime();
        assertThat(p.matches("a".repeat(300) + "@x.example")).isFalse();
        assertThat(System.nanoTime() - t0).isLessThan(1_000_000_000L);
    }

    @Test
    void refusesWhatIsNotAPattern() {
        assertThatThrownBy(() -> SenderPattern.parse("")).hasMessageContaining("no sender pattern");
        assertThatThrownBy(() -> SenderPattern.parse("a b@x")).hasMessageContaining("not a sender pattern");
        assertThatThrownBy(() -> SenderPattern.parse("a@b@c")).hasMessageContaining("not a sender pattern");
        assertThatThrownBy(() -> SenderPattern.parse("*")).hasMessageContaining("every sender");
        assertThatThrownBy(() -> SenderPattern.parse("x@")).hasMessageContaining("not a sender pattern");
    }
}
