package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.AccountChange;

/** Quotas and per-account limits at RCPT and at the end of DATA; aliases, catch-all and one blob for all. */
class SmtpQuotaTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        server = fixture.server();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static SmtpClient.Reply rcpt(SmtpClient c, Account a) throws Exception {
        return c.command("RCPT TO:<" + a.address() + ">");
    }

    @Test
    void fullAccountIsRefusedAtRcpt() throws Exception {
        Account full = fixture.account(SmtpFixture.DOMAIN, 1000, 0);
        fixture.fill(full, 1000);
        double before = fixture.rejected("quota");
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            SmtpClient.Reply r = c.expect("RCPT TO:<" + full.address() + ">", 452, "4.2.2");
            assertThat(r.text()).contains("mailbox full");
        }
        assertThat(fixture.rejected("quota")).isEqualTo(before + 1);
    }

    @Test
    void fullDomainIsRefusedAtRcpt() throws Exception {
        fixture.store.addDomain("full-domain.example");
        fixture.store.setDomainQuota("full-domain.example", 2000);
        Account filler = fixture.account("full-domain.example", 0, 0);
        Account other = fixture.account("full-domain.example", 0, 0);
        fixture.fill(filler, 2000);
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            // the account itself has no quota: it is its domain that is full
            c.expect("RCPT TO:<" + other.address() + ">", 452, "4.2.2");
        }
    }

    @Test
    void accountOrDomainAtItsMessageLimitIsRefusedAtRcptAndAtEndOfData() throws Exception {
        Account counted = fixture.account(SmtpFixture.DOMAIN, 0, 0);
        fixture.store.updateAccount(counted.address(), new AccountChange(null, null, null, 2L));
        fixture.fill(counted, 100);
        fixture.store.addDomain("counted-domain.example");
        fixture.store.setDomainMessageLimit("counted-domain.example", 1);
        Account inCountedDomain = fixture.account("counted-domain.example", 0, 0);
        fixture.fill(inCountedDomain, 100);
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + inCountedDomain.address() + ">", 452, "4.2.2");
            c.expect("RCPT TO:<" + counted.address() + ">", 250); // one message left
            // Another delivery takes the last place between RCPT and the end of DATA.
            fixture.fill(counted, 100);
            SmtpClient.Reply r = SmtpConversationTest.data(c, "Subject: one too many\r\n\r\nhello\r\n");
            assertThat(r.code()).isEqualTo(452);
            assertThat(r.status()).isEqualTo("4.2.2");
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + counted.address() + ">", 452, "4.2.2");
        }
        assertThat(fixture.inbox(counted)).hasSize(2);
    }

    @Test
    void declaredSizeIsCheckedAgainstEachRecipient() throws Exception {
        Account smallMessages = fixture.account(SmtpFixture.DOMAIN, 0, 1000);
        Account smallQuota = fixture.account(SmtpFixture.DOMAIN, 5000, 0);
        fixture.store.addDomain("small-domain.example");
        fixture.store.setDomainQuota("small-domain.example", 5000);
        Account inSmallDomain = fixture.account("small-domain.example", 0, 0);
        Account roomy = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example> SIZE=6000", 250);
            assertThat(rcpt(c, smallMessages).toString()).startsWith("552 ");
            assertThat(rcpt(c, smallMessages).status()).isEqualTo("5.3.4");
            assertThat(rcpt(c, smallQuota).status()).isEqualTo("4.2.2");
            assertThat(rcpt(c, smallQuota).code()).isEqualTo(452);
            assertThat(rcpt(c, inSmallDomain).code()).isEqualTo(452);
            assertThat(rcpt(c, roomy).code()).isEqualTo(250);
            c.expect("RSET", 250);
            c.expect("MAIL FROM:<s@remote.example> SIZE=900", 250);
            assertThat(rcpt(c, smallMessages).code()).isEqualTo(250);
            assertThat(rcpt(c, smallQuota).code()).isEqualTo(250);
            assertThat(rcpt(c, inSmallDomain).code()).isEqualTo(250);
        }
    }

    @Test
    void messageOverQuotaWithoutSizeIsRefusedAtEndOfDataAndNothingIsStored() throws Exception {
        Account small = fixture.account(SmtpFixture.DOMAIN, 2000, 0);
        Account roomy = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + roomy.address() + ">", 250);
            c.expect("RCPT TO:<" + small.address() + ">", 250);
            SmtpClient.Reply r = SmtpConversationTest.data(c, "Subject: big\r\n\r\n" + ("q".repeat(98) + "\r\n").repeat(30));
            assertThat(r.code()).isEqualTo(452);
            assertThat(r.status()).isEqualTo("4.2.2");
        }
        // all or nothing: not even the recipient with room got it
        assertThat(fixture.inbox(small)).isEmpty();
        assertThat(fixture.inbox(roomy)).isEmpty();
        assertThat(fixture.reload(small).usedBytes()).isZero();
    }

    @Test
    void messageOverARecipientsLimitWithoutSizeIsRefusedAtEndOfData() throws Exception {
        Account limited = fixture.account(SmtpFixture.DOMAIN, 0, 1000);
        Account roomy = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + roomy.address() + ">", 250);
            c.expect("RCPT TO:<" + limited.address() + ">", 250);
            SmtpClient.Reply r = SmtpConversationTest.data(c, "Subject: big\r\n\r\n" + ("q".repeat(98) + "\r\n").repeat(30));
            assertThat(r.code()).isEqualTo(552);
            assertThat(r.status()).isEqualTo("5.3.4");
        }
        assertThat(fixture.inbox(limited)).isEmpty();
        assertThat(fixture.inbox(roomy)).isEmpty();
    }

    @Test
    void twoDomainsAliasesAndCatchAllGetOneCopyEachFromOneBlob() throws Exception {
        fixture.store.addDomain("alpha.example");
        fixture.store.addDomain("beta.example");
        Account ann = fixture.account("ann@alpha.example");
        Account ben = fixture.account("ben@alpha.example");
        Account cat = fixture.account("cat@beta.example");
        fixture.store.addAlias("team@alpha.example", List.of(EmailAddress.parse("ann@alpha.example"), EmailAddress.parse("cat@beta.example")));
        fixture.store.addAlias("@beta.example", List.of(EmailAddress.parse("cat@beta.example")));
        double deliveriesBefore = fixture.registry.find("twinmail.smtp.deliveries").counter().count();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<team@alpha.example>", 250);      // ann + cat
            c.expect("RCPT TO:<BEN@Alpha.Example>", 250);       // ben, any case
            c.expect("RCPT TO:<whoever@beta.example>", 250);    // catch-all: cat again
            c.expect("RCPT TO:<ann@alpha.example>", 250);       // ann again, directly
            c.expect("RCPT TO:<nobody@alpha.example>", 550, "5.1.1"); // no catch-all in alpha
            assertThat(SmtpConversationTest.data(c, "Subject: all hands\r\n\r\nmeeting\r\n").code()).isEqualTo(250);
        }
        List<MessageEntry> entries = Stream.of(ann, ben, cat).map(fixture::inbox).flatMap(List::stream).toList();
        assertThat(entries).hasSize(3);
        assertThat(entries).extracting(MessageEntry::blobId).containsOnly(entries.getFirst().blobId());
        String stored = fixture.content(entries.getFirst());
        assertThat(stored).endsWith("Subject: all hands\r\n\r\nmeeting\r\n").doesNotContain("\tfor <");
        assertThat(fixture.registry.find("twinmail.smtp.deliveries").counter().count()).isEqualTo(deliveriesBefore + 3);
    }
}
