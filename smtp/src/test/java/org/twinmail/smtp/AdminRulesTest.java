package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.policy.PolicyRecords;
import org.twinmail.core.policy.PolicyRecords.RuleValue;
import org.twinmail.filter.Chains;
import org.twinmail.filter.rules.AdminRules;
import org.twinmail.filter.rules.SenderRules;
import org.twinmail.store.Records;

/**
 * The administrator's IP and sender rules over SMTP, written to the store while the server
 * runs (as {@code twinmail admin rule} does) and in force on the next connection or command
 * without a restart: the cache follows the change log.
 */
class AdminRulesTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static SmtpServer smtp;
    static AdminRules rules;
    static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = SmtpFixture.HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        rules = AdminRules.watch(fixture.store, fixture.store);
        smtp = new SmtpServer(config, fixture.store, fixture.store, null, null, fixture.registry,
                Chains.mx(config, fixture.store, rules), null);
        smtp.start();
        server = smtp.boundAddresses().getFirst();
    }

    @AfterAll
    static void stop() {
        smtp.close();
        rules.close();
        fixture.close();
    }

    static void ipRule(String range, String action, long expiresMillis) {
        fixture.store.putRecord(PolicyRecords.IP_RULE, "", range, new RuleValue(action, "test").encode(), expiresMillis);
    }

    static void senderRule(String scope, String pattern, String action) {
        fixture.store.putRecord(PolicyRecords.SENDER_RULE, scope, pattern, new RuleValue(action, "").encode(), 0);
    }

    /** The greeting of a new connection. */
    static SmtpClient.Reply greeting() throws Exception {
        try (SmtpClient c = new SmtpClient(server)) {
            return c.read();
        }
    }

    static double verdicts(String reason) {
        return fixture.registry.find("twinmail.filter.verdicts").tags("reason", reason).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    static List<MessageEntry> junk(Account a) {
        Mailbox box = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow();
        return fixture.store.messages(box.id());
    }

    /** Sends one message from {@code from} (envelope and header) to {@code to}; returns the reply to the data (or to the refused RCPT). */
    static SmtpClient.Reply send(String from, Account... to) throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<" + from + ">", 250);
            boolean any = false;
            SmtpClient.Reply last = null;
            for (Account a : to) {
                last = c.command("RCPT TO:<" + a.address() + ">");
                any |= last.code() == 250;
            }
            if (!any) return last;
            c.expect("DATA", 354);
            c.send("From: " + from + "\r\nSubject: rules\r\n\r\nhello\r\n.\r\n");
            return c.read();
        }
    }

    @Test
    void aDeniedAddressIsRefusedAtConnectAtOnceAndAMoreSpecificAllowWinsUntilItExpires() throws Exception {
        try {
            ipRule("127.0.0.0/8", "deny", 0);
            SmtpFixture.await("the deny rule in force", () -> call(() -> greeting().code() == 554));
            SmtpClient.Reply refused = greeting();
            assertThat(refused.status()).isEqualTo("5.7.1");
            assertThat(refused.text()).contains("client [127.0.0.1] blocked by the administrator");
            assertThat(verdicts("ip_rule_deny")).isPositive();

            // a longer prefix decides: this one address is let in (and skips the other connect checks)
            ipRule("127.0.0.1", "allow", System.currentTimeMillis() + 1500);
            SmtpFixture.await("the allow rule in force", () -> call(() -> greeting().code() == 220));
            assertThat(verdicts("ip_rule_allow")).isPositive();
            // until the allow expires: the deny applies again, with nothing else changed in the store
            SmtpFixture.await("the allow rule expired", () -> call(() -> greeting().code() == 554));
        } finally {
            fixture.store.deleteRecord(PolicyRecords.IP_RULE, "", "127.0.0.0/8");
            fixture.store.deleteRecord(PolicyRecords.IP_RULE, "", "127.0.0.1");
        }
        SmtpFixture.await("the rules removed", () -> call(() -> greeting().code() == 220));
    }

    @Test
    void senderRulesRejectAtRcptAndAUsersOwnAllowListBeatsTheGlobalBlock() throws Exception {
        Account victim = fixture.account();
        Account fan = fixture.account();
        senderRule("", "*@spam-a.example", "reject");
        senderRule(Records.accountScope(fan.id()), "news@spam-a.example", "accept");
        SmtpFixture.await("the rules loaded", () -> rules.senderRule(List.of(Records.accountScope(fan.id())),
                List.of("news@spam-a.example"), System.currentTimeMillis()).isPresent());
        SmtpClient.Reply refused = send("news@spam-a.example", victim);
        assertThat(refused.code()).isEqualTo(550);
        assertThat(refused.status()).isEqualTo("5.7.1");
        assertThat(refused.text()).contains("<news@spam-a.example>: Sender address rejected");
        // the more specific scope (the user's own rule) wins for that user
        assertThat(send("news@spam-a.example", fan).code()).isEqualTo(250);
        assertThat(fixture.only(fan)).contains("Subject: rules");
        assertThat(fixture.inbox(victim)).isEmpty();
        assertThat(verdicts("sender_rule_reject")).isPositive();
        assertThat(verdicts("sender_rule_accept")).isPositive();
    }

    @Test
    void junkTagAndQuarantineActOnTheRecipientsTheyConcernByDomainAndWildcard() throws Exception {
        fixture.store.addDomain("rules-junk.example");
        Account junked = fixture.account("rules-junk.example", 0, 0);
        Account tagged = fixture.account();
        senderRule(Records.domainScope("rules-junk.example"), "*.bulk.example", "junk");
        senderRule(Records.accountScope(tagged.id()), "*.bulk.example", "tag");
        SmtpFixture.await("the rules loaded", () -> rules.senderRule(List.of(Records.accountScope(tagged.id())),
                List.of("a@x.bulk.example"), System.currentTimeMillis()).isPresent());
        assertThat(send("promo@mail.bulk.example", junked, tagged).code()).isEqualTo(250);
        assertThat(fixture.inbox(junked)).isEmpty();
        assertThat(junk(junked)).singleElement().satisfies(e -> assertThat(e.flags()).contains("$Junk"));
        assertThat(fixture.only(tagged)).startsWith(SenderRules.HEADER + ": tag *@*.bulk.example (account:" + tagged.id() + ")\r\n");
        assertThat(fixture.content(junk(junked).getFirst())).doesNotContain(SenderRules.HEADER);

        // a rule on the header From (the envelope sender is innocent) quarantines the whole message
        Account held = fixture.account();
        senderRule("", "boss@forged-from.example", "quarantine");
        SmtpFixture.await("the quarantine rule loaded", () -> rules.senderRule(List.of(""), List.of("boss@forged-from.example"),
                System.currentTimeMillis()).isPresent());
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<bounce@innocent.example>", 250);
            c.expect("RCPT TO:<" + held.address() + ">", 250);
            c.expect("DATA", 354);
            c.send("From: Boss <boss@forged-from.example>\r\nSubject: wire money\r\n\r\nnow\r\n.\r\n");
            assertThat(c.read().code()).isEqualTo(250);
        }
        assertThat(fixture.inbox(held)).isEmpty();
        assertThat(new org.twinmail.store.Quarantine(fixture.store, fixture.store).list()).filteredOn(i -> i.accountIds().contains(held.id()))
                .singleElement().satisfies(i -> {
                    assertThat(i.reason()).isEqualTo("sender_rule_quarantine");
                    assertThat(i.check()).isEqualTo("sender-rules");
                    assertThat(i.from()).isEqualTo("Boss <boss@forged-from.example>");
                });
        assertThat(verdicts("sender_rule_quarantine")).isPositive();
    }

    @Test
    void aFromRuleRejectsAtDataWhenItConcernsEveryRecipient() throws Exception {
        Account a = fixture.account();
        senderRule("", "ceo@phish.example", "reject");
        SmtpFixture.await("the rule loaded", () -> rules.senderRule(List.of(""), List.of("ceo@phish.example"),
                System.currentTimeMillis()).isPresent());
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<mailer@innocent.example>", 250);
            c.expect("RCPT TO:<" + a.address() + ">", 250);
            c.expect("DATA", 354);
            c.send("From: ceo@phish.example\r\nSubject: urgent\r\n\r\npay\r\n.\r\n");
            SmtpClient.Reply r = c.read();
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.7.1");
        }
        assertThat(fixture.inbox(a)).isEmpty();
    }

    interface Io {
        boolean get() throws Exception;
    }

    static boolean call(Io io) {
        try {
            return io.get();
        } catch (Exception e) {
            return false;
        }
    }
}
