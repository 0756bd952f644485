package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.store.AccountLogins;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The webmail's app-password routes on a real store: made for the session's own account, shown once, listed, revoked. */
class SelfServiceAppPasswordsTest {
    @TempDir
    Path dir;

    @Test
    void aUserMakesListsAndRevokesTheirOwnAppPasswords() throws Exception {
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            AdminService admin = new AdminService(store, new PasswordHasher(1024, 1, 1));
            admin.addDomain("example.org");
            admin.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
            long id = store.findAccount(org.twinmail.core.mail.EmailAddress.parse("alice@example.org")).orElseThrow().id();
            Principal alice = new Principal(id, "alice@example.org");

            ObjectNode made = run("settings/app-passwords", "{\"name\":\" phone \"}", alice, admin);
            String password = made.path("created").path("password").asText();
            assertThat(made.path("created").path("name").asText()).isEqualTo("phone");
            assertThat(password).matches("[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}");
            assertThat(made.path("appPasswords").get(0).path("name").asText()).isEqualTo("phone");
            assertThat(made.path("appPasswords").get(0).has("password")).isFalse();
            assertThat(new AccountLogins(store).login(id).matchesAppPassword(password.toCharArray())).isTrue();
            // the settings list it without the password
            ObjectNode shown = SelfService.execute(SelfService.parse("settings", "GET", new byte[0]), alice, admin, (a, p) -> { }, () -> { });
            assertThat(shown.path("appPasswords").size()).isEqualTo(1);
            assertThat(shown.toString()).doesNotContain(password);
            assertThatThrownBy(() -> run("settings/app-passwords", "{\"name\":\"phone\"}", alice, admin)).isInstanceOfSatisfying(AdminException.class,
                    e -> assertThat(SelfService.status(e)).isEqualTo(409));

            ObjectNode removed = run("settings/app-passwords/remove", "{\"name\":\"phone\"}", alice, admin);
            assertThat(removed.path("appPasswords").size()).isZero();
            assertThat(new AccountLogins(store).login(id).matchesAppPassword(password.toCharArray())).isFalse();
            assertThatThrownBy(() -> SelfService.parse("settings/app-passwords", "POST", "{}".getBytes(StandardCharsets.UTF_8)))
                    .hasMessageContaining("name is required");
        }
    }

    private static ObjectNode run(String path, String body, Principal p, AdminService admin) throws Exception {
        return SelfService.execute(SelfService.parse(path, "POST", body.getBytes(StandardCharsets.UTF_8)), p, admin, (a, pw) -> { }, () -> { });
    }
}
