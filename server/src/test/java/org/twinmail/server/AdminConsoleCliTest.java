package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code twinmail admin admins ...} and {@code twinmail admin audit}, on a stopped node and through a running one. */
class AdminConsoleCliTest {
    @TempDir
    Path data;

    private CliRunner.Result admin(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "admin";
        full[1] = "--data";
        full[2] = data.toString();
        System.arraycopy(args, 0, full, 3, args.length);
        return CliRunner.run(full);
    }

    @Test
    void theFirstGlobalAdministratorAndTheAuditLog() throws Exception {
        assertThat(admin("domain", "add", "example.com").exit()).isZero();
        CliRunner.Result added = admin("admins", "add", "root", "--role", "global", "--password", "a long password");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains("added administrator root (global)").containsPattern("TOTP secret: [A-Z2-7]{32}")
                .contains("TOTP URI:    otpauth://totp/");
        assertThat(admin("admins", "add", "root", "--role", "global", "--password", "a long password").exit()).isEqualTo(4);
        assertThat(admin("admins", "add", "x", "--role", "domain", "--password", "a long password").exit()).isEqualTo(2);
        assertThat(admin("admins", "list").out()).contains("root", "global", "yes");
        // the CLI on a stopped node writes its changes to the audit log as cli:<user>
        assertThat(admin("audit").out()).contains("cli addAdmin", "root", "409", "already exists", "cli addDomain", "example.com", "local");

        try (var server = TwinmailServer.start(TestConfigs.loopback(data))) {
            CliRunner.Result dora = admin("admins", "add", "dora", "--role", "domain", "--domain", "example.com", "--password", "a long password");
            assertThat(dora.exit()).as(dora.err()).isZero();
            assertThat(dora.out()).contains("added administrator dora (domain: example.com)");
            assertThat(admin("admins", "update", "dora", "--enabled", "false").out()).contains("updated administrator dora");
            assertThat(admin("admins", "list").out()).containsPattern("dora +domain +example.com +no");
            // through the running server the CLI uses the bearer token: the API records it
            CliRunner.Result audit = admin("audit", "--actor", "api-token");
            assertThat(audit.out()).contains("PATCH /api/admin/admins/dora", "POST /api/admin/admins", "admins/dora", "token");
            assertThat(admin("audit", "--since", "not-a-date").exit()).isEqualTo(2);
            assertThat(admin("admins", "remove", "dora").exit()).isZero();
            assertThat(admin("admins", "remove", "dora").exit()).isEqualTo(3);
        }
    }
}
