package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.filter.Chain;
import org.twinmail.filter.Chains;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.store.Quarantine;
import org.twinmail.store.StoreException;

/**
 * The administrator's quarantine end to end: a held message is accepted (250 with the queue id
 * it is held under), delivered to nobody, kept whole in the store (also when larger than one
 * record), released to exactly its original local recipients, or deleted.
 */
class QuarantineTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static SmtpServer smtp;
    static InetSocketAddress server;
    static Quarantine quarantine;

    /** DATA: a message whose subject says HOLD is quarantined. */
    static final class Hold implements Check.Data {
        @Override
        public String name() {
            return "hold";
        }

        @Override
        public Verdict data(Client client, Envelope envelope, Message message) throws java.io.IOException {
            String subject = message.header().value("subject");
            return subject != null && subject.contains("HOLD") ? Verdict.quarantine("held_subject") : Verdict.proceed();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = SmtpFixture.HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        Chain mx = Chains.mx(config, fixture.store).toBuilder().add(new Hold()).build();
        smtp = new SmtpServer(config, fixture.store, fixture.store, null, null, fixture.registry, mx, null);
        smtp.start();
        server = smtp.boundAddresses().getFirst();
        quarantine = new Quarantine(fixture.store, fixture.store);
    }

    @AfterAll
    static void stop() {
        smtp.close();
        fixture.close();
    }

    /** Sends a message and returns the queue id of the 250 reply. */
    static String send(String content, Account... to) throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<sender@remote.example>", 250);
            for (Account a : to) c.expect("RCPT TO:<" + a.address() + ">", 250);
            c.expect("DATA", 354);
            c.send(content + ".\r\n");
            SmtpClient.Reply done = c.read();
            assertThat(done.code()).as(done.text()).isEqualTo(250);
            Matcher m = Pattern.compile("Ok: queued as ([0-9A-Z]{14})").matcher(done.text());
            assertThat(m.matches()).isTrue();
            return m.group(1);
        }
    }

    static String held(String id) throws Exception {
        try (InputStream in = quarantine.open(id)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aHeldMessageGoesToNobodyAndAReleaseDeliversItToItsRecipientsExactlyOnce() throws Exception {
        Account a = fixture.account();
        Account b = fixture.account();
        String body = "From: Boss <boss@remote.example>\r\nSubject: HOLD =?utf-8?q?caf=C3=A9?=\r\n\r\nthe body\r\n";
        String id = send(body, a, b);
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(fixture.inbox(b)).isEmpty();
        QuarantineItem item = quarantine.find(id).orElseThrow();
        assertThat(item.accountIds()).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(item.recipients()).containsExactly(a.address().toString(), b.address().toString());
        assertThat(item.reason()).isEqualTo("held_subject");
        assertThat(item.subject()).isEqualTo("HOLD caf?"); // decoded, made printable for the list
        assertThat(item.client()).isEqualTo("127.0.0.1");
        String stored = held(id);
        assertThat(stored).startsWith("Return-Path: <sender@remote.example>\r\nReceived: ").endsWith(body);
        assertThat(item.size()).isEqualTo(stored.getBytes(StandardCharsets.UTF_8).length);
        assertThat(quarantine.headerSection(id, 64 * 1024)).endsWith("Subject: HOLD =?utf-8?q?caf=C3=A9?=\r\n\r\n");

        assertThat(quarantine.release(id, fixture.store)).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(fixture.only(a)).isEqualTo(stored);
        assertThat(fixture.only(b)).isEqualTo(stored);
        assertThat(quarantine.find(id)).isEmpty();
        assertThatThrownBy(() -> quarantine.release(id, fixture.store)).isInstanceOf(StoreException.NotFound.class);
        assertThat(fixture.inbox(a)).hasSize(1); // delivered once
    }

    @Test
    void aMessageLargerThanOneRecordIsKeptWholeAndDeleteRemovesEveryPart() throws Exception {
        Account a = fixture.account();
        StringBuilder big = new StringBuilder("Subject: HOLD big\r\n\r\n");
        String line = "x".repeat(998) + "\r\n";
        while (big.length() < 2_600_000) big.append(line);
        String id = send(big.toString(), a);
        QuarantineItem item = quarantine.find(id).orElseThrow();
        assertThat(item.parts()).isEqualTo(3);
        assertThat(held(id)).endsWith(big.toString());
        assertThat(quarantine.delete(id)).isTrue();
        assertThat(quarantine.find(id)).isEmpty();
        assertThat(fixture.store.records(QuarantineItem.PART, "")).noneMatch(r -> r.name().startsWith(id + "/"));
        assertThat(quarantine.delete(id)).isFalse();
        assertThat(fixture.inbox(a)).isEmpty();
    }

    @Test
    void mailThatIsNotHeldIsDeliveredAsBefore() throws Exception {
        Account a = fixture.account();
        String id = send("Subject: fine\r\n\r\nok\r\n", a);
        assertThat(quarantine.find(id)).isEmpty();
        assertThat(fixture.only(a)).endsWith("Subject: fine\r\n\r\nok\r\n");
    }
}
