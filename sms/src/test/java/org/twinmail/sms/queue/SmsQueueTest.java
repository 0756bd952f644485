package org.twinmail.sms.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.store.StoredRecord;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

class SmsQueueTest {
    static final String PHONE = "+8613800138000";

    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    long inbox;
    MutableClock clock = new MutableClock(Instant.parse("2026-12-07T04:00:00Z"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    SmsMetrics metrics = new SmsMetrics(meters);
    QueueSettings settings = QueueSettings.defaults();
    SmsQueue queue;
    TestGateway smsc = new TestGateway("smsc", true);
    SmsWorker worker;
    NoticeConsumer consumer;
    long handled;
    io.micrometer.core.instrument.Timer commits;

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void setUp() {
        StoreOptions options = StoreOptions.defaults(dir);
        commits = options.registry().timer("twinmail.store.commit");
        store = EmbeddedMailStore.open(options);
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        queue = new SmsQueue(store);
        worker = new SmsWorker(queue, List.of(smsc), settings, metrics, clock);
        consumer = new NoticeConsumer(queue, store, settings, metrics, clock, () -> { });
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 3, "en"));
    }

    @AfterEach
    void tearDown() {
        worker.close();
        store.close();
    }

    void settings(SmsSettings s) {
        store.putRecord(SmsRecords.SETTINGS, SmsRecords.scope(ann.id()), SmsRecords.NAME, s.encode(), 0);
    }

    void deliver(long mailbox, String message) {
        store.append(mailbox, MessageSpool.of(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), Set.of(), clock.instant());
    }

    /** Hands every change since the last call to the consumer, as its runner would. */
    void consume() throws Exception {
        var batch = store.changesSince(handled, 1000);
        if (batch.isEmpty()) return;
        consumer.handle(batch);
        handled = batch.getLast().position();
    }

    SmsItem done(String id) {
        return SmsItem.decode(store.record(SmsQueue.DONE, SmsRecords.scope(ann.id()), id).orElseThrow().value());
    }

    static final String MAIL = "From: Bob Lee <bob@example.org>\nSubject: Lunch\nMessage-ID: <l1@example.org>\n\nAre we on for noon?\n";

    @Test
    void aDeliveredMessageIsNoticedOnceEvenWhenItsChangeIsHandedOverTwice() throws Exception {
        deliver(inbox, MAIL);
        var batch = store.changesSince(0, 1000);
        consumer.handle(batch);
        consumer.handle(batch); // a crash before the cursor moved
        worker.sendDue();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(1);
        TestGateway.Taken t = smsc.taken.getFirst();
        assertThat(t.phone()).isEqualTo(PHONE);
        assertThat(t.text()).isEqualTo("Mail from Bob Lee, 7 Dec 12:00\nLunch\nAre we on for noon?");
        assertThat(t.extension()).matches("[2-9A-Z]{4}");
        List<StoredRecord> done = store.records(SmsQueue.DONE);
        assertThat(done).hasSize(1);
        SmsItem item = SmsItem.decode(done.getFirst().value());
        assertThat(item.state()).isEqualTo(SmsItem.State.SENT);
        assertThat(item.messageIds()).containsExactly("smsc-1");
        assertThat(store.records(SmsQueue.OUT)).isEmpty();
        // a copy into another folder is the same message: no second notice
        long other = store.createMailbox(ann.id(), "Work", null).id();
        store.copy(inbox, List.of(1L), other, false);
        consume();
        consume();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(1);

        // the receipt makes it delivered, once
        smsc.inbound.accept(new Inbound.Receipt("smsc", "smsc-1", true, "DELIVRD"));
        smsc.inbound.accept(new Inbound.Receipt("smsc", "smsc-1", true, "DELIVRD"));
        worker.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).state() != SmsItem.State.DELIVERED
                && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).state()).isEqualTo(SmsItem.State.DELIVERED);
        assertThat(meters.counter("twinmail.sms.delivered").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.sent").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.queued").count()).isEqualTo(1);
    }

    @Test
    void theNoticesOfABatchAreQueuedInOneCommitAndSentInTwo() throws Exception {
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 20, "en"));
        for (int i = 0; i < 10; i++) deliver(inbox, MAIL.replace("l1@", "m" + i + "@").replace("Lunch", "Subject " + i));
        long before = commits.count();
        consume();
        assertThat(commits.count() - before).as("the consumer's commits for 10 notices").isEqualTo(1);
        assertThat(store.records(SmsQueue.OUT)).hasSize(10);
        assertThat(store.records(SmsQueue.REF)).hasSize(10).extracting(StoredRecord::name).doesNotHaveDuplicates();
        assertThat(store.record(SmsQueue.COUNT, SmsRecords.scope(ann.id()), "2026-12-07").orElseThrow().text()).isEqualTo("10");
        assertThat(meters.counter("twinmail.sms.queued").count()).isEqualTo(10);

        before = commits.count();
        worker.sendDue();
        assertThat(commits.count() - before).as("the worker's commits for 10 notices: sending, then sent").isEqualTo(2);
        assertThat(smsc.taken).hasSize(10).extracting(TestGateway.Taken::messageId).doesNotHaveDuplicates();
        assertThat(store.records(SmsQueue.OUT)).isEmpty();
        assertThat(store.records(SmsQueue.DONE)).hasSize(10).allSatisfy(r -> {
            SmsItem item = SmsItem.decode(r.value());
            assertThat(item.state()).isEqualTo(SmsItem.State.SENT);
            assertThat(item.attempts()).isEqualTo(1);
            // each part's message id leads a receipt to its item
            assertThat(queue.byMessageId("smsc", item.messageIds().getFirst())).contains(new SmsQueue.Key(r.scope(), r.name()));
        });
        worker.sendDue();
        assertThat(smsc.taken).hasSize(10);
        assertThat(meters.counter("twinmail.sms.sent").count()).isEqualTo(10);

        // the cap counts across batches: 20 a day, 10 taken, 12 more make 10 notices
        for (int i = 10; i < 22; i++) deliver(inbox, MAIL.replace("l1@", "m" + i + "@").replace("Lunch", "Subject " + i));
        consume();
        assertThat(store.records(SmsQueue.OUT)).hasSize(10);
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "daily_cap").count()).isEqualTo(2);
    }

    @Test
    void gatewaysAreTriedInPriorityOrderAndARefusalForNowFailsOverToTheNextAtOnce() throws Exception {
        TestGateway backup = new TestGateway("backup", false);
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "en"));
        worker.close();
        worker = new SmsWorker(queue, List.of(smsc, backup), settings, metrics, clock);
        // 1. the first is up: it sends
        deliver(inbox, MAIL);
        consume();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(1);
        assertThat(backup.taken).isEmpty();
        // 2. the first refuses for now (throttled, down): the next sends in the same round, the reference in the text
        smsc.refuseNext = 1;
        deliver(inbox, MAIL.replace("l1@", "l2@").replace("Lunch", "Dinner"));
        consume();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(1);
        assertThat(backup.taken).singleElement().satisfies(t -> {
            assertThat(t.text()).startsWith("Mail from Bob Lee, 7 Dec 12:00\nDinner\n").matches("(?s).*\nReply: start with #[2-9A-Z]{4}");
            assertThat(t.extension()).isEmpty();
        });
        assertThat(meters.counter("twinmail.sms.failover").count()).isEqualTo(1);
        SmsItem dinner = store.records(SmsQueue.DONE).stream().map(r -> SmsItem.decode(r.value()))
                .filter(i -> i.notice().subject().equals("Dinner")).findFirst().orElseThrow();
        assertThat(dinner.gateway()).isEqualTo("backup");
        assertThat(dinner.messageIds()).containsExactly("backup-1");
        // 3. the first is down (unbound): the next sends
        smsc.up = false;
        deliver(inbox, MAIL.replace("l1@", "l3@").replace("Lunch", "Tea"));
        consume();
        worker.sendDue();
        assertThat(backup.taken).hasSize(2);
        // 4. every gateway refuses for now: the item waits for its back-off, then goes out once
        smsc.up = true;
        smsc.refuseNext = 1;
        backup.refuseNext = 1;
        deliver(inbox, MAIL.replace("l1@", "l4@").replace("Lunch", "Coffee"));
        consume();
        worker.sendDue();
        worker.sendDue(); // not due yet
        assertThat(smsc.taken).hasSize(1);
        assertThat(backup.taken).hasSize(2);
        SmsItem waiting = SmsItem.decode(store.records(SmsQueue.OUT).getFirst().value());
        assertThat(waiting.state()).isEqualTo(SmsItem.State.QUEUED);
        assertThat(waiting.next()).isEqualTo(clock.millis() + settings.retryAfter(2).toMillis());
        clock.now = clock.now.plus(settings.retryAfter(2));
        worker.sendDue();
        assertThat(smsc.taken).hasSize(2);
        assertThat(smsc.taken.getLast().text()).contains("\nCoffee\n");
        assertThat(store.records(SmsQueue.OUT)).isEmpty();
    }

    @Test
    void spamVirusBulkJunkAndOldMailNeverNotify() throws Exception {
        deliver(inbox, "From: a@x.org\nX-Spam-Flag: YES\nSubject: win\n\nx");
        deliver(inbox, "From: a@x.org\nX-Virus-Status: Infected\nSubject: v\n\nx");
        deliver(inbox, "From: a@x.org\nPrecedence: bulk\nSubject: news\n\nx");
        long junk = store.mailboxes(ann.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst()
                .orElseGet(() -> store.createMailbox(ann.id(), "Junk", SpecialUse.JUNK)).id();
        deliver(junk, "From: a@x.org\nSubject: junk\n\nx");
        store.append(inbox, MessageSpool.of("From: a@x.org\r\nSubject: old\r\n\r\nx".getBytes(StandardCharsets.US_ASCII)), Set.of(),
                clock.instant().minus(Duration.ofDays(3)));
        consume();
        worker.sendDue();
        assertThat(smsc.taken).isEmpty();
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "spam").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "virus").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "bulk").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "folder").count()).isEqualTo(1);
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "old").count()).isEqualTo(1);
    }

    @Test
    void nothingGoesToAnUnverifiedNumberWhichGetsACodeInstead() throws Exception {
        settings(new SmsSettings("+33612345678", PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "UTC", 0, "en"));
        deliver(inbox, MAIL);
        consume();
        consume();
        worker.sendDue();
        assertThat(smsc.taken).singleElement().satisfies(t -> {
            assertThat(t.phone()).isEqualTo("+33612345678");
            assertThat(t.text()).matches("TwinMail code: [0-9]{6} \\(valid 15 minutes\\)");
        });
        String code = smsc.taken.getFirst().text().substring(15, 21);
        var v = SmsRecords.Verification.decode(store.record(SmsRecords.VERIFY, SmsRecords.scope(ann.id()), SmsRecords.NAME).orElseThrow().value());
        assertThat(v.matches(ann.id(), code)).isTrue();
        assertThat(v.phone()).isEqualTo("+33612345678");
    }

    @Test
    void triggerQuietHoursAndTheDailyCapDecide() throws Exception {
        // senders: only boss@example.org or anyone at partner.example
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.SENDERS, List.of("boss@example.org", "partner.example"), "",
                null, null, "Asia/Shanghai", 2, "en"));
        deliver(inbox, "From: x@example.org\nSubject: a\n\nx");
        deliver(inbox, "From: Boss@Example.org\nSubject: b\n\nx");
        deliver(inbox, "From: y@mail.partner.example\nSubject: c\n\nx");
        deliver(inbox, "From: boss@example.org\nSubject: d\n\nx"); // over the cap of 2
        consume();
        worker.sendDue();
        assertThat(smsc.taken).extracting(TestGateway.Taken::text).containsExactlyInAnyOrder(
                "Mail from Boss@Example.org, 7 Dec 12:00\nb\nx", "Mail from y@mail.partner.example, 7 Dec 12:00\nc\nx");
        assertThat(meters.counter("twinmail.sms.skipped", "reason", "daily_cap").count()).isEqualTo(1);

        // quiet hours 11:00-13:00 in Shanghai (it is 12:00 there): queued for 13:00
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.IMPORTANT, List.of(), "", LocalTime.of(11, 0), LocalTime.of(13, 0),
                "Asia/Shanghai", 0, "en"));
        deliver(inbox, "From: z@example.org\nSubject: plain\n\nx");
        deliver(inbox, "From: z@example.org\nImportance: high\nSubject: urgent\n\nx");
        consume();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(2);
        clock.now = Instant.parse("2026-12-07T05:00:00Z");
        worker.sendDue();
        assertThat(smsc.taken).hasSize(3);
        assertThat(smsc.taken.getLast().text()).startsWith("Mail from z@example.org, 7 Dec 12:00\nurgent");
    }

    @Test
    void anSmscThatIsDownOrRefusesGetsTheNoticeLaterOnceAndOneThatExpiresGivesUp() throws Exception {
        smsc.up = false;
        deliver(inbox, MAIL);
        consume();
        worker.sendDue();
        assertThat(smsc.taken).isEmpty();
        smsc.up = true;
        smsc.refuseNext = 2;
        worker.sendDue(); // refused: attempt 1, again in 10 s
        worker.sendDue(); // not due yet
        assertThat(smsc.refuseNext).isEqualTo(1);
        clock.now = clock.now.plusSeconds(10);
        worker.sendDue(); // refused: attempt 2, again in 30 s
        clock.now = clock.now.plusSeconds(30);
        worker.sendDue();
        worker.sendDue();
        assertThat(smsc.taken).hasSize(1);
        assertThat(SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).attempts()).isEqualTo(3);

        smsc.up = false;
        deliver(inbox, MAIL.replace("l1@", "l2@"));
        consume();
        clock.now = clock.now.plus(Duration.ofHours(2));
        worker.sendDue();
        assertThat(store.records(SmsQueue.DONE)).extracting(r -> SmsItem.decode(r.value()).state())
                .containsExactlyInAnyOrder(SmsItem.State.SENT, SmsItem.State.EXPIRED);
        assertThat(meters.counter("twinmail.sms.failed", "reason", "expired").count()).isEqualTo(1);
    }

    @Test
    void aSubmitWithoutAnswerAndAnItemLeftSendingByADeadNodeAreNeverSentAgain() throws Exception {
        smsc.silentNext = 1;
        deliver(inbox, MAIL);
        consume();
        worker.sendDue();
        worker.sendDue();
        assertThat(smsc.taken).isEmpty();
        assertThat(SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).state()).isEqualTo(SmsItem.State.UNKNOWN);

        // a node that died between writing "sending" and the SMSC's answer: its successor does not submit again
        deliver(inbox, MAIL.replace("l1@", "l3@"));
        consume();
        StoredRecord r = store.records(SmsQueue.OUT).getFirst();
        SmsItem sending = SmsItem.decode(r.value()).with(SmsItem.State.SENDING, 0, 1, "smsc", List.of(), 0, "");
        store.putRecord(SmsQueue.OUT, r.scope(), r.name(), sending.encode(), 0);
        SmsWorker successor = new SmsWorker(queue, List.of(smsc), settings, metrics, clock);
        successor.sendDue();
        successor.sendDue();
        assertThat(smsc.taken).isEmpty();
        assertThat(meters.counter("twinmail.sms.failed", "reason", "in_doubt").count()).isEqualTo(2);
    }

    @Test
    void aGatewayWithoutSourceExtensionsGetsTheReferenceInTheTextAndFailoverUsesTheNextGateway() throws Exception {
        TestGateway http = new TestGateway("http", false);
        SmsWorker two = new SmsWorker(queue, List.of(smsc, http), settings, metrics, clock);
        smsc.up = false;
        deliver(inbox, MAIL);
        consume();
        two.sendDue();
        assertThat(http.taken).singleElement().satisfies(t -> {
            assertThat(t.extension()).isEmpty();
            assertThat(t.text()).matches("(?s)Mail from Bob Lee.*\nReply: start with #[2-9A-Z]{4}");
        });
        assertThat(smsc.taken).isEmpty();
    }
}
