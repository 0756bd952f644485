package org.twinmail.filter.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.mail.header.Header;
import org.twinmail.filter.Verdict;
import org.twinmail.store.MailStore;
import org.twinmail.store.Records;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * The outbound anomaly hold: an account that sends far above its usual rate, or bounces a lot,
 * has its further outbound mail held (quarantined, not refused), the administrator gets one alert
 * and a metric, and a hold lifted in the store takes effect at once.
 */
class OutboundHoldTest {
    @TempDir
    Path dir;
    MailStore store;
    Account alice;
    Account admin;
    final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    OutboundHold hold;

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), "x", 0, 0);
        admin = store.addAccount(EmailAddress.parse("admin@example.com"), "x", 0, 0);
        TwinmailConfig.OutboundHold s = new TwinmailConfig.OutboundHold();
        s.minMessages = 10;
        s.rateFactor = 5;
        s.window = Duration.ofHours(1);
        s.maxBounces = 3;
        s.alertTo = "admin@example.com";
        hold = new OutboundHold(s, "mx.example.com", store, store, store, registry, now::get);
        hold.reload();
    }

    @AfterEach
    void close() {
        store.close();
    }

    Client user(Account a) {
        return new Client(InetAddress.getLoopbackAddress(), Optional::empty, "submission", true, "laptop", true,
                Optional.of(new AuthenticatedUser(a.id(), a.address().toString())));
    }

    static Envelope toRemote(List<EmailAddress> remote) {
        return new Envelope() {
            public String queueId() { return "Q1"; }
            public Optional<EmailAddress> sender() { return Optional.empty(); }
            public OptionalLong declaredSize() { return OptionalLong.empty(); }
            public boolean smtputf8() { return false; }
            public List<String> recipients() { return remote.stream().map(EmailAddress::toString).toList(); }
            public List<Account> accounts() { return List.of(); }
            public List<EmailAddress> remoteRecipients() { return remote; }
            public int refused(String reason) { return 0; }
        };
    }

    static final Envelope REMOTE = toRemote(List.of(EmailAddress.parse("someone@far.example")));
    static final Envelope LOCAL_ONLY = toRemote(List.of());

    final long start = now.get();

    /** {@code messages} messages in hour {@code hour} since the start, a minute apart from its first minute. */
    void send(Account a, int messages, int hour) {
        for (int i = 0; i < messages; i++) {
            now.set(start + Duration.ofHours(hour).plusMinutes(i + 1).toMillis());
            assertThat(hold.data(user(a), REMOTE, null)).as("message %d", i).isEqualTo(Verdict.proceed());
            hold.delivered(user(a), REMOTE);
        }
    }

    List<MessageEntry> alerts() {
        return store.messages(store.mailbox(admin.id(), "INBOX").orElseThrow().id());
    }

    double holds(String reason) {
        var c = registry.find("twinmail.filter.outbound.holds").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aSuddenRiseAboveTheUsualRateHoldsFurtherOutboundMail() throws Exception {
        // a week of a few messages an hour: the usual rate is about 3
        for (int h = 0; h < 24 * 7; h++) send(alice, 3, h);
        assertThat(hold.held(alice.id())).isFalse();
        // then 15 in an hour: more than minMessages (10) and more than 5 times the usual (just under 15)
        send(alice, 15, 24 * 7);
        assertThat(hold.held(alice.id())).isTrue();
        // the next message to another server is held in the quarantine, not refused; local mail goes on
        assertThat(hold.data(user(alice), REMOTE, null)).isEqualTo(Verdict.quarantine("outbound_hold"));
        assertThat(hold.data(user(alice), LOCAL_ONLY, null)).isEqualTo(Verdict.proceed());
        // the hold is in the store, with what was seen; one alert, one count
        OutboundHoldRecord r = OutboundHoldRecord.decode(store.record(OutboundHoldRecord.KIND, Records.accountScope(alice.id()),
                OutboundHoldRecord.NAME).orElseThrow().value());
        assertThat(r.reason()).isEqualTo("rate");
        assertThat(r.detail()).startsWith("15 messages with remote recipients in the last hour, usually 3.0");
        assertThat(holds("rate")).isEqualTo(1);
        assertThat(alerts()).hasSize(1);
        String alert = new String(store.openBlob(alerts().getFirst().blobId()).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(alert).contains("Subject: Outbound mail of alice@example.com held (rate)", "twinmail admin outbound release alice@example.com");
        // more mail while held: no second alert
        hold.delivered(user(alice), REMOTE);
        assertThat(alerts()).hasSize(1);
        // the administrator lifts it (the record deleted): the next reload lets mail through
        store.deleteRecord(OutboundHoldRecord.KIND, Records.accountScope(alice.id()), OutboundHoldRecord.NAME);
        hold.reload();
        assertThat(hold.data(user(alice), REMOTE, null)).isEqualTo(Verdict.proceed());
    }

    /** A second instance over the same store, as a restarted node or the standby after a takeover makes. */
    OutboundHold restarted() {
        OutboundHold h = new OutboundHold(settings(), "mx.example.com", store, store, store, new SimpleMeterRegistry(), now::get);
        h.reload();
        h.loadRates();
        return h;
    }

    TwinmailConfig.OutboundHold settings() {
        TwinmailConfig.OutboundHold s = new TwinmailConfig.OutboundHold();
        s.minMessages = 10;
        s.rateFactor = 5;
        s.window = Duration.ofHours(1);
        s.maxBounces = 3;
        s.alertTo = "admin@example.com";
        return s;
    }

    @Test
    void theUsualRateAndTheCurrentWindowOutliveARestartWrittenInBatches() {
        // a week of about 3 an hour, then 8 in the current hour
        for (int h = 0; h < 24 * 7; h++) send(alice, 3, h);
        send(alice, 8, 24 * 7);
        hold.bounced("alice@example.com");
        hold.bounced("alice@example.com");
        assertThat(store.records("outbound.rate", "")).as("nothing written per message").isEmpty();
        // one save writes alice's shard once, however many messages were counted; a second save has nothing to write
        assertThat(hold.saveRates()).isEqualTo(1);
        assertThat(store.records("outbound.rate", "")).singleElement()
                .satisfies(r -> assertThat(r.name()).isEqualTo(OutboundRates.name(OutboundRates.shard(alice.id()))));
        assertThat(hold.saveRates()).isZero();

        // restarted: 7 more in the same hour (15 in all) holds alice, as it would have without the restart
        OutboundHold after = restarted();
        hold = after;
        send(alice, 7, 24 * 7);
        assertThat(after.held(alice.id())).isTrue();
        OutboundHoldRecord r = OutboundHoldRecord.decode(store.record(OutboundHoldRecord.KIND, Records.accountScope(alice.id()),
                OutboundHoldRecord.NAME).orElseThrow().value());
        assertThat(r.detail()).startsWith("15 messages with remote recipients in the last hour, usually 3.0");

        // the bounces came along too: one more makes maxBounces (3) within the window
        store.deleteRecord(OutboundHoldRecord.KIND, Records.accountScope(alice.id()), OutboundHoldRecord.NAME);
        after.reload();
        after.bounced("alice@example.com");
        assertThat(after.held(alice.id())).isTrue();
        assertThat(OutboundHoldRecord.decode(store.record(OutboundHoldRecord.KIND, Records.accountScope(alice.id()),
                OutboundHoldRecord.NAME).orElseThrow().value()).reason()).isEqualTo("bounces");
    }

    @Test
    void withoutTheSavedRatesARestartedNodeWouldHaveForgotten() {
        for (int h = 0; h < 24 * 7; h++) send(alice, 3, h);
        send(alice, 8, 24 * 7);
        // not saved: the restarted instance starts alice from nothing, and 7 more do not hold her
        OutboundHold after = restarted();
        hold = after;
        send(alice, 7, 24 * 7);
        assertThat(after.held(alice.id())).isFalse();
    }

    @Test
    void ratesEncodeAndDecode() {
        var entries = List.of(new OutboundRates.Entry(7, 1_800_000_000_000L, 12, 3.5, new long[] {1L, 2L}),
                new OutboundRates.Entry(71, 1_800_000_000_001L, 0, 9.25, new long[0]));
        var back = OutboundRates.decode(OutboundRates.encode(entries));
        assertThat(back).extracting(OutboundRates.Entry::accountId).containsExactly(71L, 7L); // highest usual rate first
        assertThat(back.get(1).bounces()).containsExactly(1L, 2L);
        assertThat(back.get(1).count()).isEqualTo(12);
        assertThat(back.get(0).usual()).isEqualTo(9.25);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutboundRates.decode(new byte[] {1, 0, 0, 0, 5}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNewAccountMaySendUpToMinMessagesAndABusyOneFourTimesItsUsualAmount() {
        send(alice, 10, 0);
        assertThat(hold.held(alice.id())).isFalse();
        // a steady 10 an hour for a day, then 40 in an hour: under 5 times the usual
        for (int h = 1; h <= 24; h++) send(alice, 10, h);
        send(alice, 40, 25);
        assertThat(hold.held(alice.id())).isFalse();
        assertThat(alerts()).isEmpty();
    }

    @Test
    void manyBouncesWithinTheWindowHold() {
        hold.bounced("alice@example.com");
        hold.bounced("alice@example.com");
        now.addAndGet(Duration.ofMinutes(61).toMillis()); // the first two leave the window
        hold.bounced("alice@example.com");
        hold.bounced("alice@example.com");
        assertThat(hold.held(alice.id())).isFalse();
        hold.bounced("alice@example.com");
        assertThat(hold.held(alice.id())).isTrue();
        assertThat(holds("bounces")).isEqualTo(1);
        hold.bounced("nobody@elsewhere.example"); // not ours: ignored
        assertThat(alerts()).hasSize(1);
    }

    /** A message at the MX for {@code to}, from {@code sender} (empty: the null reverse-path). */
    static Envelope atMx(Optional<EmailAddress> sender, Account to) {
        return new Envelope() {
            public String queueId() { return "Q2"; }
            public Optional<EmailAddress> sender() { return sender; }
            public OptionalLong declaredSize() { return OptionalLong.empty(); }
            public boolean smtputf8() { return false; }
            public List<String> recipients() { return List.of(to.address().toString()); }
            public List<Account> accounts() { return List.of(to); }
            public List<EmailAddress> remoteRecipients() { return List.of(); }
            public int refused(String reason) { return 0; }
        };
    }

    static Message message(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Message() {
            public long size() { return bytes.length; }
            public java.io.InputStream open() { return new java.io.ByteArrayInputStream(bytes); }
            public Header header() { return Header.parse(bytes); }
            public java.io.InputStream body() { return new java.io.ByteArrayInputStream(bytes, header().bodyStart(), bytes.length); }
            public int receivedHeaders() { return 0; }
            public List<EmailAddress> from() { return List.of(); }
        };
    }

    /** A remote server's failure notice (RFC 3464) to alice, in Postfix's shape; {@code action} of its one recipient. */
    static String dsn(String action) {
        return "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.far.example (Mail Delivery System)\r\nTo: alice@example.com\r\n"
                + "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1\"\r\n\r\n"
                + "--B1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.far.example.\r\n\r\n"
                + "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
                + "Reporting-MTA: dns; mx.far.example\r\nArrival-Date: Mon, 7 Dec 2026 20:00:00 +0000 (UTC)\r\n\r\n"
                + "Final-Recipient: rfc822; someone@far.example\r\nAction: " + action + "\r\nStatus: 5.1.1\r\n"
                + "Diagnostic-Code: smtp; 550 5.1.1 <someone@far.example>: Recipient address rejected\r\n\r\n"
                + "--B1\r\nContent-Type: message/rfc822\r\n\r\nFrom: alice@example.com\r\nTo: someone@far.example\r\n"
                + "Subject: cheap pills\r\n\r\nbuy now\r\n--B1--\r\n";
    }

    @Test
    void failureNoticesFromOtherServersAtTheMxCountAsBounces() throws Exception {
        var mx = hold.remoteBounces();
        assertThat(mx.name()).isEqualTo("remote-bounces");
        Envelope bounce = atMx(Optional.empty(), alice);
        // what is not a remote failure notice counts for nothing: a delay, a report from a real sender, a plain message
        for (int i = 0; i < 5; i++) {
            assertThat(mx.data(null, bounce, message(dsn("delayed")))).isEqualTo(Verdict.proceed());
            assertThat(mx.data(null, atMx(Optional.of(EmailAddress.parse("bob@far.example")), alice), message(dsn("failed"))))
                    .isEqualTo(Verdict.proceed());
            assertThat(mx.data(null, bounce, message("From: MAILER-DAEMON@far.example\r\nSubject: Undelivered\r\n\r\nAction: failed\r\n")))
                    .isEqualTo(Verdict.proceed());
        }
        assertThat(hold.held(alice.id())).isFalse();
        // maxBounces (3) failure notices within the window: held, as for the relay's own bounces
        assertThat(mx.data(null, bounce, message(dsn("failed")))).as("never refused").isEqualTo(Verdict.proceed());
        mx.data(null, bounce, message(dsn("Failed")));
        assertThat(hold.held(alice.id())).isFalse();
        mx.data(null, bounce, message(dsn("failed")));
        assertThat(hold.held(alice.id())).isTrue();
        assertThat(holds("bounces")).isEqualTo(1);
        OutboundHoldRecord r = OutboundHoldRecord.decode(store.record(OutboundHoldRecord.KIND, Records.accountScope(alice.id()),
                OutboundHoldRecord.NAME).orElseThrow().value());
        assertThat(r.reason()).isEqualTo("bounces");
        assertThat(r.detail()).isEqualTo("3 bounces in the last hour");
    }

    @Test
    void remoteAndOwnBouncesCountTogether() throws Exception {
        hold.bounced("alice@example.com");
        hold.bounced("alice@example.com");
        hold.remoteBounces().data(null, atMx(Optional.empty(), alice), message(dsn("failed")));
        assertThat(hold.held(alice.id())).isTrue();
    }
}
