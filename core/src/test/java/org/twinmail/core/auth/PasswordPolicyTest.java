package org.twinmail.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.EmailAddress;

class PasswordPolicyTest {
    static final EmailAddress ALICE = EmailAddress.parse("Alice.Smith@Example.org");
    final PasswordPolicy policy = new PasswordPolicy(10);

    @Test
    void aLongEnoughPasswordThatIsNotTheAddressPasses() {
        assertThat(policy.refusal(ALICE, "correct horse".toCharArray())).isNull();
        assertThat(policy.refusal(ALICE, "0123456789".toCharArray())).as("exactly the minimum").isNull();
        assertThat(policy.refusal(ALICE, "alice.smith@example.org!".toCharArray())).as("more than the address").isNull();
    }

    @Test
    void eachRefusalSaysWhy() {
        assertThat(policy.refusal(ALICE, "012345678".toCharArray())).isEqualTo("the password must be at least 10 characters long (it has 9)");
        assertThat(policy.refusal(ALICE, "密码密码密码密码密码".toCharArray())).as("characters, not bytes").isNull();
        assertThat(policy.refusal(ALICE, "😀😀😀😀😀".toCharArray())).as("code points, not UTF-16 units")
                .isEqualTo("the password must be at least 10 characters long (it has 5)");
        assertThat(policy.refusal(ALICE, "ALICE.SMITH@EXAMPLE.ORG".toCharArray())).isEqualTo("the password must not be the account's address or its user name");
        assertThat(new PasswordPolicy(1).refusal(ALICE, "alice.smith".toCharArray())).isEqualTo("the password must not be the account's address or its user name");
        assertThat(policy.refusal(ALICE, new char[0])).isEqualTo("the password must not be empty");
        assertThat(policy.refusal(ALICE, "long enough\nbut not".toCharArray())).contains("NUL, CR or LF");
        assertThatThrownBy(() -> new PasswordPolicy(0)).hasMessageContaining("auth.minPasswordLength");
    }
}
