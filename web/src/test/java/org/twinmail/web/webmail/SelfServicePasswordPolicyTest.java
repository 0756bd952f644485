package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.auth.PasswordPolicy;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The webmail's password change meets the node's password policy: a short password or the user's own name is refused with the reason (400). */
class SelfServicePasswordPolicyTest {
    @TempDir
    Path dir;

    @Test
    void aNewPasswordMustMeetThePolicy() throws Exception {
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            PasswordHasher hasher = new PasswordHasher(1024, 1, 1);
            AdminService admin = new AdminService(store, hasher).passwordPolicy(new PasswordPolicy(10));
            admin.addDomain("example.org");
            admin.addUser("alice@example.org", "alice's first password".toCharArray(), 0, 0);
            long id = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
            Principal alice = new Principal(id, "alice@example.org");

            assertThatThrownBy(() -> change(alice, admin, "tiny")).isInstanceOfSatisfying(AdminException.class, e -> {
                assertThat(SelfService.status(e)).isEqualTo(400);
                assertThat(e.getMessage()).isEqualTo("the password must be at least 10 characters long (it has 4)");
            });
            assertThatThrownBy(() -> change(alice, admin, "Alice@Example.org")).isInstanceOfSatisfying(AdminException.class,
                    e -> assertThat(e.getMessage()).isEqualTo("the password must not be the account's address or its user name"));
            assertThat(PasswordHasher.verify("alice's first password".toCharArray(), store.findAccount(EmailAddress.parse("alice@example.org"))
                    .orElseThrow().passwordHash())).as("unchanged").isTrue();
            change(alice, admin, "a good new password");
            assertThat(PasswordHasher.verify("a good new password".toCharArray(), store.findAccount(EmailAddress.parse("alice@example.org"))
                    .orElseThrow().passwordHash())).isTrue();
        }
    }

    private static void change(Principal p, AdminService admin, String next) throws Exception {
        String body = "{\"current\":\"alice's first password\",\"password\":\"" + next + "\"}";
        SelfService.execute(SelfService.parse("settings/password", "POST", body.getBytes(StandardCharsets.UTF_8)), p, admin, (a, pw) -> { }, () -> { });
    }
}
