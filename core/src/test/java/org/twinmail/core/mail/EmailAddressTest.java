package org.twinmail.core.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmailAddressTest {
    @Test
    void parsesAndNormalisesDomainButKeepsLocalCase() {
        EmailAddress a = EmailAddress.parse("Alice.Smith@Example.COM");
        assertThat(a.localPart()).isEqualTo("Alice.Smith");
        assertThat(a.domain()).isEqualTo("example.com");
        assertThat(a.key()).isEqualTo("alice.smith@example.com");
        assertThat(a.toString()).isEqualTo("Alice.Smith@example.com");
    }

    @Test
    void acceptsUtf8AndQuotedLocalParts() {
        assertThat(EmailAddress.parse("用户@例子.广告").domain()).isEqualTo("例子.广告");
        assertThat(EmailAddress.parse("\"john doe\"@example.com").localPart()).isEqualTo("\"john doe\"");
    }

    @Test
    void refusesBadAddressesWithReadableReasons() {
        assertThatThrownBy(() -> EmailAddress.parse("nodomain")).hasMessageContaining("user@domain");
        assertThatThrownBy(() -> EmailAddress.parse("@example.com")).hasMessageContaining("user@domain");
        assertThatThrownBy(() -> EmailAddress.parse("a b@example.com")).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> EmailAddress.parse("a..b@example.com")).hasMessageContaining("dot");
        assertThatThrownBy(() -> EmailAddress.parse("a@exa_mple.com")).hasMessageContaining("not allowed in domain");
        assertThatThrownBy(() -> EmailAddress.parse("a@example..com")).hasMessageContaining("empty label");
        assertThatThrownBy(() -> EmailAddress.parse("x".repeat(65) + "@example.com")).hasMessageContaining("64");
        assertThatThrownBy(() -> EmailAddress.parse("a\u0001@example.com")).hasMessageContaining("?");
    }
}
