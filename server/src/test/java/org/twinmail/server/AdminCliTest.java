package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.mail.EmailAddress;

/** The admin CLI on a stopped node (store opened directly) and on a running one (through the admin API). */
class AdminCliTest {
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
    void offlineCommandsManageTheStoreAndReportErrorsWithExitCodes() {
        CliRunner.Result added = admin("domain", "add", "Example.COM");
        assertThat(added.exit()).isZero();
        assertThat(added.out()).contains("added domain example.com").contains("postmaster@example.com goes nowhere yet");
        assertThat(admin("domain", "add", "example.com")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(4);
            assertThat(r.err()).contains("twinmail:").contains("example.com").contains("exists");
        });
        assertThat(admin("domain", "add", "bad_domain!").exit()).isEqualTo(2);
        CliRunner.Result add = admin("user", "add", "alice@example.com", "--password", "password-1", "--quota", "2G", "--max-message", "25M");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).contains("alice@example.com").contains("2G").contains("25M");
        assertThat(admin("rule", "ip", "add", "192.0.2.0/24", "deny", "--expires", "2h", "--comment", "scanner").out())
                .startsWith("added ip rule 192.0.2.0/24 deny until ");
        assertThat(admin("rule", "sender", "add", "spam.example", "reject", "--for", "example.com").out())
                .isEqualTo("added sender rule *@spam.example reject for example.com\n");
        assertThat(admin("rule", "list").out()).contains("ip", "192.0.2.0/24", "deny", "scanner", "*@spam.example", "example.com");
        assertThat(admin("rule", "ip", "add", "192.0.2.0/24", "block").exit()).isEqualTo(2);
        assertThat(admin("rule", "ip", "remove", "192.0.2.0/24").exit()).isZero();
        assertThat(admin("rule", "sender", "remove", "spam.example").exit()).isEqualTo(3); // the rule is example.com's
        assertThat(admin("rule", "sender", "remove", "spam.example", "--for", "example.com").exit()).isZero();
        CliRunner.Result sms = admin("sms", "set", "alice@example.com", "--phone", "+8613800138000", "--on", "--trigger", "senders",
                "--sender", "boss@example.org", "--quiet", "22:00-07:00", "--zone", "Asia/Shanghai", "--language", "zh");
        assertThat(sms.exit()).as(sms.err()).isZero();
        assertThat(sms.out()).contains("phone:       +8613800138000 (not verified").contains("notices:     on")
                .contains("trigger:     senders boss@example.org").contains("quiet hours: 22:00-07:00").contains("language:    zh");
        assertThat(admin("sms", "show", "alice@example.com").out()).contains("zone:        Asia/Shanghai");
        assertThat(admin("sms", "set", "alice@example.com", "--phone", "12345").exit()).isEqualTo(2);
        assertThat(admin("sms", "verify", "alice@example.com", "000000").exit()).isEqualTo(2); // no code was sent: the server is not running
        assertThat(admin("sms", "show", "nobody@example.com").exit()).isEqualTo(3);
        assertThat(admin("domain", "dns", "example.com")).satisfies(r -> {
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("; DNS records for example.com").contains("\nexample.com. 3600 IN MX 10 ")
                    .contains("_submissions._tcp.example.com. 3600 IN SRV 0 1 2465 ").contains("; note: no DKIM key yet");
        });
        assertThat(admin("domain", "dns", "nowhere.example").exit()).isEqualTo(3);
        assertThat(admin("domain", "postmaster", "example.com").out())
                .startsWith("postmaster@example.com goes to alice@example.com (the domain's first account");
        assertThat(admin("user", "add", "alice@example.com", "--password", "x-long-enough").exit()).isEqualTo(4);
        assertThat(admin("user", "add", "carol@nowhere.example", "--password", "x-long-enough")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.err()).contains("nowhere.example");
        });
        assertThat(admin("user", "add", "not-an-address", "--password", "x-long-enough").exit()).isEqualTo(2);
        assertThat(admin("user", "add", "bob@example.com", "--quota", "lots", "--password", "x-long-enough").exit()).isEqualTo(2);
        // the password policy (auth.minPasswordLength, 10 by default): a short one, or the user's own name, is refused with the reason
        assertThat(admin("user", "add", "bob@example.com", "--password", "short1")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("the password must be at least 10 characters long (it has 6)");
        });
        assertThat(admin("user", "add", "bobby.tables@example.com", "--password", "Bobby.Tables")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("the password must not be the account's address or its user name");
        });
        assertThat(admin("user", "passwd", "alice@example.com", "--password", "ALICE@example.com").err())
                .contains("the password must not be the account's address or its user name");
        assertThat(admin("alias", "add", "team@example.com", "alice@example.com").exit()).isZero();
        assertThat(admin("alias", "add", "@example.com", "alice@example.com").exit()).isZero();
        assertThat(admin("alias", "list").out()).contains("team@example.com").contains("@example.com");
        assertThat(admin("user", "list", "example.com").out()).contains("alice@example.com").contains("2G");
        assertThat(admin("domain", "quota", "example.com", "10G").out()).contains("10G");
        assertThat(admin("domain", "list").out()).contains("example.com").contains("10G");
        assertThat(admin("domain", "quota", "example.com", "--max-messages", "50000").out()).contains("10G").contains("max messages 50000");
        assertThat(admin("domain", "quota", "example.com").exit()).isEqualTo(2); // nothing to change
        assertThat(admin("user", "set", "alice@example.com", "--max-messages", "1000").out()).contains("max messages 1000");
        assertThat(admin("user", "set", "alice@example.com", "--max-messages", "-1").exit()).isEqualTo(2);
        assertThat(admin("user", "list").out()).contains("1000");
        assertThat(admin("domain", "remove", "example.com").exit()).isEqualTo(4); // still has users
        assertThat(admin("user", "remove", "nobody@example.com").exit()).isEqualTo(3);
        assertThat(admin("alias", "remove", "team@example.com").exit()).isZero();
        assertThat(admin("alias", "list").out()).doesNotContain("team@example.com");

        // the password was stored hashed and verifies
        try (var server = TwinmailServer.start(TestConfigs.loopback(data))) {
            var account = server.store().findAccount(EmailAddress.parse("alice@example.com")).orElseThrow();
            assertThat(account.passwordHash()).startsWith("$argon2id$").doesNotContain("password-1");
            assertThat(PasswordHasher.verify("password-1".toCharArray(), account.passwordHash())).isTrue();
            assertThat(account.quotaBytes()).isEqualTo(2L << 30);
            assertThat(account.maxMessageBytes()).isEqualTo(25L << 20);
            assertThat(account.maxMessages()).isEqualTo(1000);
            assertThat(server.store().findDomain("example.com").orElseThrow().maxMessages()).isEqualTo(50_000);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void commandsGoThroughTheRunningServer() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(RunFile.read(server.dataDir())).isPresent();
            assertThat(admin("domain", "add", "live.example").exit()).isZero();
            CliRunner.Result r = admin("user", "add", "dave@live.example", "--password", "pw-long-enough");
            assertThat(r.exit()).as(r.err()).isZero();
            // the running server sees it at once: it went through its own store
            assertThat(server.store().findAccount(EmailAddress.parse("dave@live.example"))).isPresent();
            assertThat(admin("user", "add", "dave@live.example", "--password", "pw-long-enough").exit()).isEqualTo(4);
            assertThat(admin("user", "list").out()).contains("dave@live.example");
            assertThat(admin("user", "set", "dave@live.example", "--max-messages", "7").exit()).isZero();
            assertThat(admin("domain", "quota", "live.example", "1G", "--max-messages", "70").exit()).isZero();
            assertThat(server.store().findAccount(EmailAddress.parse("dave@live.example")).orElseThrow().maxMessages()).isEqualTo(7);
            assertThat(server.store().findDomain("live.example").orElseThrow().maxMessages()).isEqualTo(70);
        }
        // stopped again: the run file is gone and the CLI works offline
        assertThat(RunFile.read(data)).isEmpty();
        assertThat(admin("user", "list").out()).contains("dave@live.example");
    }

    @Test
    void startUpRemovesSpoolFilesOfInterruptedTransfers() throws Exception {
        java.nio.file.Path spool = java.nio.file.Files.createDirectories(data.resolve("spool"));
        java.nio.file.Path leftover = java.nio.file.Files.writeString(spool.resolve("msg-123.spool"), "half a message");
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(leftover).doesNotExist();
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() throws Exception {
        try (TwinmailServer first = TwinmailServer.start(TestConfigs.loopback(data))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TwinmailServer.start(TestConfigs.loopback(data)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(ProcessHandle.current().pid()));
        }
    }
}
