package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.filter.Chains;
import org.twinmail.filter.outbound.OutboundHold;
import org.twinmail.store.Quarantine;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.Records;
import org.twinmail.store.embedded.StoreAuthenticator;

/**
 * A user whose outbound mail is held: submission accepts the message (250, nothing lost) and
 * holds it in the quarantine with its remote recipients instead of queueing it; the
 * administrator's release queues it for the relay.
 */
class OutboundHoldEndToEndTest {
    @TempDir
    Path dir;
    SmtpFixture fixture;
    SmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (fixture != null) fixture.close();
    }

    @Test
    void aHeldUsersMessageToAnotherServerIsQuarantinedWithItsRecipientsAndAReleaseQueuesIt() throws Exception {
        fixture = new SmtpFixture(dir);
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = SmtpFixture.HOSTNAME;
        config.dataDir = dir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.submission.listen = List.of(Listen.parse("127.0.0.1:0"));
        Account alice = fixture.account();
        fixture.store.putRecord(OutboundHoldRecord.KIND, Records.accountScope(alice.id()), OutboundHoldRecord.NAME,
                new OutboundHoldRecord(alice.address().toString(), "rate", "test", System.currentTimeMillis()).encode(), 0);
        OutboundHold hold = new OutboundHold(config.filter.outboundHold, config.hostname, fixture.store, fixture.store, fixture.store,
                fixture.registry, System::currentTimeMillis);
        hold.reload();
        server = new SmtpServer(config, fixture.store, fixture.store, new StoreAuthenticator(fixture.store, Duration.ZERO),
                org.twinmail.protocol.tls.Tls.create(config), fixture.registry, Chains.mx(config, fixture.store),
                Chains.submission(config, fixture.store, null, hold));
        server.start();
        InetSocketAddress submission = server.submissionAddresses().getFirst();

        SmtpClient.Reply r;
        try (SmtpClient c = SmtpClient.ehlo(submission)) {
            c.expect("AUTH PLAIN " + SubmissionTest.plain(alice.address().toString(), "secret"), 235, "2.7.0");
            c.expect("MAIL FROM:<" + alice.address() + ">", 250);
            c.expect("RCPT TO:<friend@far.example>", 250);
            r = SmtpConversationTest.data(c, "From: " + alice.address() + "\r\nTo: friend@far.example\r\nSubject: hi\r\n\r\nhello\r\n");
        }
        assertThat(r.code()).isEqualTo(250);
        assertThat(fixture.store.listQueue(10)).isEmpty();
        String id = r.text().substring(r.text().lastIndexOf(' ') + 1);
        Quarantine quarantine = new Quarantine(fixture.store, fixture.store);
        QuarantineItem item = quarantine.find(id).orElseThrow();
        assertThat(item.reason()).isEqualTo("outbound_hold");
        assertThat(item.relay()).isNotNull();
        assertThat(item.relay().recipients()).containsExactly("friend@far.example");
        assertThat(item.relay().sender()).isEqualTo(alice.address().toString());

        quarantine.release(id, fixture.store);
        List<QueueEntry> queued = fixture.store.listQueue(10);
        assertThat(queued).hasSize(1);
        assertThat(queued.getFirst().recipients()).extracting(QueueEntry.Recipient::address).containsExactly("friend@far.example");
        assertThat(quarantine.find(id)).isEmpty();
    }
}
