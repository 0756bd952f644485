package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.Chains;
import org.twinmail.mail.dkim.DkimKeys;
import org.twinmail.mail.dkim.DkimRecord;
import org.twinmail.mail.dkim.DkimSigner;
import org.twinmail.core.model.MessageEntry;

/**
 * SPF, DKIM and DMARC on the MX over SMTP ({@code filter.authentication.enabled}), with the
 * records served by {@link LocalDnsServer} through {@code relay.dns.servers}: the delivered
 * message's Authentication-Results, DMARC p=reject and p=quarantine, and a forged From in our
 * own domain.
 */
class AuthenticationEndToEndTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static SmtpServer smtp;
    static InetSocketAddress server;
    static LocalDnsServer dns;
    static DkimSigner signer;

    @BeforeAll
    static void start() throws Exception {
        dns = LocalDnsServer.start();
        dns.txt("good.example", "v=spf1 ip4:127.0.0.0/8 -all");
        dns.txt("_dmarc.good.example", "v=DMARC1; p=reject");
        dns.txt("bad.example", "v=spf1 ip4:192.0.2.1 -all");
        dns.txt("_dmarc.bad.example", "v=DMARC1; p=reject");
        dns.txt("quar.example", "v=spf1 -all");
        dns.txt("_dmarc.quar.example", "v=DMARC1; p=quarantine");
        dns.txt("_dmarc.signed.example", "v=DMARC1; p=reject; adkim=s");
        DkimKeys keys = new DkimKeys(dataDir.resolve("dkim"), "sel", List.of());
        DkimRecord record = keys.generate("signed.example", null, DkimKeys.DEFAULT_BITS);
        dns.txt(record.txtName().substring(0, record.txtName().length() - 1), record.txtStrings().toArray(String[]::new));
        signer = new DkimSigner(keys, Duration.ZERO, Clock.systemUTC());

        fixture = new SmtpFixture(dataDir);
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = SmtpFixture.HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.relay.dns.servers = List.of(dns.hostPort());
        config.relay.dns.timeout = Duration.ofSeconds(2);
        config.filter.authentication.enabled = true;
        smtp = new SmtpServer(config, fixture.store, fixture.store, null, null, fixture.registry, Chains.mx(config, fixture.store), null);
        smtp.start();
        server = smtp.boundAddresses().getFirst();
    }

    @AfterAll
    static void stop() {
        smtp.close();
        fixture.close();
        dns.close();
    }

    static String message(String from, String subject) {
        return "From: " + from + "\r\nTo: someone@" + SmtpFixture.DOMAIN + "\r\nSubject: " + subject
                + "\r\nDate: Mon, 7 Dec 2026 12:00:00 +0000\r\nMessage-ID: <" + SmtpFixture.unique("m") + "@x>\r\n\r\nHello.\r\n";
    }

    static SmtpClient.Reply send(String mailFrom, Account to, String content) throws Exception {
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("EHLO client.good.example", 250);
            c.expect("MAIL FROM:<" + mailFrom + ">", 250);
            c.expect("RCPT TO:<" + to.address() + ">", 250);
            SmtpClient.Reply r = SmtpConversationTest.data(c, content);
            c.expect("QUIT", 221);
            return r;
        }
    }

    @Test
    void anSpfAlignedMessageIsDeliveredWithItsAuthenticationResults() throws Exception {
        Account a = fixture.account();
        assertThat(send("alice@good.example", a, message("Alice <alice@good.example>", "hi")).code()).isEqualTo(250);
        assertThat(fixture.only(a)).startsWith("Authentication-Results: " + SmtpFixture.HOSTNAME + ";\r\n"
                + "\tspf=pass (good.example: pass by ip4) smtp.mailfrom=alice@good.example;\r\n"
                + "\tdkim=none;\r\n"
                + "\tdmarc=pass (aligned SPF pass p=reject) header.from=good.example\r\n");
        io.micrometer.core.instrument.Counter counted = fixture.registry.find("twinmail.filter.verdicts")
                .tags("check", "authentication", "reason", "spf_pass_dkim_none_dmarc_pass").counter();
        assertThat(counted).as("the results in the verdict's reason").isNotNull();
        assertThat(counted.count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void authenticationResultsForgedInOurNameAreRemoved() throws Exception {
        // RFC 8601 5: only the field we add may carry our authserv-id
        Account a = fixture.account();
        String forged = "Authentication-Results: " + SmtpFixture.HOSTNAME.toUpperCase(java.util.Locale.ROOT)
                + "; dmarc=pass header.from=bank.example\r\n"
                + "Authentication-Results: (comment)\r\n " + SmtpFixture.HOSTNAME + "; dkim=pass header.d=bank.example\r\n"
                + "Authentication-Results: elsewhere.example; spf=fail\r\n";
        assertThat(send("alice@good.example", a, forged + message("Alice <alice@good.example>", "forged")).code()).isEqualTo(250);
        String stored = fixture.only(a);
        assertThat(stored.split("Authentication-Results: " + SmtpFixture.HOSTNAME, -1)).as("ours alone").hasSize(2);
        assertThat(stored).doesNotContain("bank.example").contains("Authentication-Results: elsewhere.example; spf=fail\r\n")
                .contains("\r\n\r\nHello.\r\n");
    }

    @Test
    void aDkimSignedMessageFromADomainWithoutSpfPassesDmarc() throws Exception {
        Account a = fixture.account();
        String content = message("Bob <bob@signed.example>", "signed");
        String signature;
        try (MessageData m = MessageSpool.of(content.getBytes(StandardCharsets.UTF_8))) {
            signature = signer.signatureHeader("signed.example", m).orElseThrow();
        }
        assertThat(send("bounces@nospf.example", a, signature + content).code()).isEqualTo(250);
        String stored = fixture.only(a);
        assertThat(stored).startsWith("Authentication-Results: " + SmtpFixture.HOSTNAME + ";\r\n\tspf=none")
                .contains("\tdkim=pass (signature verified) header.d=signed.example header.s=sel header.a=rsa-sha256;\r\n",
                        "\tdmarc=pass (aligned DKIM pass signed.example p=reject) header.from=signed.example\r\n");
        // the same message changed in transit: DKIM fails, and so DMARC under p=reject
        Account b = fixture.account();
        SmtpClient.Reply r = send("bounces@nospf.example", b, signature + content.replace("Hello.", "Hello, changed."));
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(fixture.inbox(b)).isEmpty();
    }

    @Test
    void dmarcRejectRefusesAndQuarantineFilesIntoJunk() throws Exception {
        double before = fixture.rejected("dmarc_reject");
        Account a = fixture.account();
        SmtpClient.Reply r = send("mallory@bad.example", a, message("mallory@bad.example", "phish"));
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(r.text()).contains("DMARC policy of bad.example");
        assertThat(fixture.rejected("dmarc_reject")).isEqualTo(before + 1);
        assertThat(fixture.inbox(a)).isEmpty();

        assertThat(send("q@quar.example", a, message("q@quar.example", "dubious")).code()).isEqualTo(250);
        assertThat(fixture.inbox(a)).isEmpty();
        Mailbox junk = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow();
        List<MessageEntry> held = fixture.store.messages(junk.id());
        assertThat(held).singleElement().satisfies(e -> {
            assertThat(e.flags()).contains("$Junk");
            assertThat(fixture.content(e)).startsWith("Authentication-Results: " + SmtpFixture.HOSTNAME + ";\r\n\tspf=fail")
                    .contains("\tdmarc=fail (no aligned SPF or DKIM pass p=quarantine) header.from=quar.example\r\n");
        });
    }

    @Test
    void ourOwnDomainInAForgedFromIsRefused() throws Exception {
        double before = fixture.rejected("forged_local_from");
        Account a = fixture.account();
        SmtpClient.Reply r = send("alice@good.example", a, message("ceo@" + SmtpFixture.DOMAIN, "wire the money"));
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(fixture.rejected("forged_local_from")).isEqualTo(before + 1);
        assertThat(fixture.inbox(a)).isEmpty();
    }

    @Test
    void aClientOnABlockListIsRefusedBeforeTheGreeting(@TempDir Path own) throws Exception {
        dns.a("1.0.0.127.bl.test", "127.0.0.2");
        try (SmtpFixture f = new SmtpFixture(own)) {
            TwinmailConfig config = new TwinmailConfig();
            config.hostname = SmtpFixture.HOSTNAME;
            config.dataDir = own.toString();
            config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
            config.relay.dns.servers = List.of(dns.hostPort());
            config.filter.dnsbl.lists = List.of("bl.test*2", "other.test");
            config.filter.dnsbl.threshold = 2;
            try (SmtpServer guarded = new SmtpServer(config, f.store, f.store, null, null, f.registry, Chains.mx(config, f.store), null)) {
                guarded.start();
                InetSocketAddress address = guarded.boundAddresses().getFirst();
                try (java.net.Socket s = new java.net.Socket(address.getAddress(), address.getPort())) {
                    s.setSoTimeout(10_000);
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertThat(reply).isEqualTo("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test\r\n");
                }
            }
            assertThat(f.rejected("dnsbl_listed")).isEqualTo(1);
        }
    }

    @Test
    void aRelayHostIsRecordedButNeverRefused(@TempDir Path own) throws Exception {
        try (SmtpFixture f = new SmtpFixture(own)) {
            TwinmailConfig config = new TwinmailConfig();
            config.hostname = SmtpFixture.HOSTNAME;
            config.dataDir = own.toString();
            config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
            config.smtp.relayNetworks = List.of("127.0.0.0/8");
            config.relay.dns.servers = List.of(dns.hostPort());
            config.filter.authentication.enabled = true;
            try (SmtpServer relayed = new SmtpServer(config, f.store, f.store, null, null, f.registry, Chains.mx(config, f.store), null)) {
                relayed.start();
                Account a = f.account();
                try (SmtpClient c = SmtpClient.connect(relayed.boundAddresses().getFirst())) {
                    c.expect("EHLO app.internal", 250);
                    c.expect("MAIL FROM:<app@bad.example>", 250);
                    c.expect("RCPT TO:<" + a.address() + ">", 250);
                    assertThat(SmtpConversationTest.data(c, message("app@bad.example", "report")).code()).isEqualTo(250);
                }
                assertThat(f.only(a)).startsWith("Authentication-Results: " + SmtpFixture.HOSTNAME + ";\r\n\tspf=fail")
                        .contains("\tdmarc=fail (no aligned SPF or DKIM pass p=reject) header.from=bad.example\r\n");
            }
        }
    }
}
