package org.twinmail.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    @Test
    void hashesAreSaltedPhcStringsThatVerify() {
        PasswordHasher h = new PasswordHasher(1024, 1, 1);
        String a = h.hash("correct horse".toCharArray());
        String b = h.hash("correct horse".toCharArray());
        assertThat(a).startsWith("$argon2id$v=19$m=1024,t=1,p=1$").isNotEqualTo(b);
        assertThat(PasswordHasher.verify("correct horse".toCharArray(), a)).isTrue();
        assertThat(PasswordHasher.verify("correct horsE".toCharArray(), a)).isFalse();
    }

    @Test
    void malformedHashesNeverVerify() {
        assertThat(PasswordHasher.verify("x".toCharArray(), null)).isFalse();
        assertThat(PasswordHasher.verify("x".toCharArray(), "plain")).isFalse();
        assertThat(PasswordHasher.verify("x".toCharArray(), "$argon2id$v=19$m=a,t=1,p=1$c2FsdA$aGFzaA")).isFalse();
        assertThat(PasswordHasher.verify("x".toCharArray(), "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA")).isFalse();
    }
}
