package org.twinmail.sms.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.reply.ReplyHandler;
import org.twinmail.sms.reply.ReplySubmission;
import org.twinmail.store.StoredRecord;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Replies by SMS are stored before they are acknowledged, handled after a restart, and a redelivery makes no second mail. */
class MoInboxTest {
    static final String PHONE = "+8613800138000";
    static final String MAIL = "From: Bob Lee <bob@example.org>\nSubject: Lunch\nMessage-ID: <l1@example.org>\n\nAre we on for noon?\n";

    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    SmsQueueTest.MutableClock clock = new SmsQueueTest.MutableClock(Instant.parse("2026-12-07T04:00:00Z"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    SmsMetrics metrics = new SmsMetrics(meters);
    QueueSettings settings = QueueSettings.defaults();
    SmsQueue queue;
    TestGateway smsc = new TestGateway("smsc", true);
    SmsWorker worker;
    final List<String> submitted = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        store.putRecord(SmsRecords.SETTINGS, SmsRecords.scope(ann.id()), SmsRecords.NAME,
                new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "en").encode(), 0);
        queue = new SmsQueue(store);
        worker = worker(smsc);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        store.close();
    }

    /** A node's worker (not started: the test drives it) whose replies become mail in {@link #submitted}. */
    SmsWorker worker(TestGateway gateway) {
        SmsWorker w = new SmsWorker(queue, List.of(gateway), settings, metrics, clock);
        w.moHandler(new ReplyHandler(queue, store, store, (account, to, message) -> {
            submitted.add(MimePart.parse(message).text().strip());
            return new ReplySubmission.Result.Sent("Q" + submitted.size());
        }, w, metrics, clock, "mail.example.com", Duration.ofHours(1), settings.replyWindow()));
        return w;
    }

    /** Delivers MAIL and sends its notice; its reference. */
    String notice() throws Exception {
        long inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        store.append(inbox, MessageSpool.of(MAIL.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), Set.of(), clock.instant());
        new NoticeConsumer(queue, store, settings, metrics, clock, () -> { }).handle(store.changesSince(0, 1000));
        worker.sendDue();
        return SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).ref();
    }

    double counted(String name) {
        var c = meters.find(name).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aRedeliveredReplyMakesOneMailAndTheSameTextAfterTheWindowAnother() throws Exception {
        String ref = notice();
        Inbound.Mo mo = new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "OK, see you");
        smsc.inbound.accept(mo);
        smsc.inbound.accept(mo); // the SMSC did not hear our deliver_sm_resp: the same message again
        worker.handleInbound();
        smsc.inbound.accept(mo); // again after it was handled, within the window
        worker.handleInbound();
        assertThat(submitted).containsExactly("OK, see you");
        assertThat(counted("twinmail.sms.replies.duplicate")).isEqualTo(2);
        assertThat(counted("twinmail.sms.replies.in")).isEqualTo(1);

        // with the provider's message id: the id decides, not the text
        smsc.inbound.accept(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "Yes", "p-1"));
        smsc.inbound.accept(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "Yes", "p-1"));
        smsc.inbound.accept(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "Yes", "p-2"));
        worker.handleInbound();
        assertThat(submitted).containsExactly("OK, see you", "Yes", "Yes");

        // the same text after the window is a new message
        clock.now = clock.now.plus(settings.moDedupWindow()).plusSeconds(1);
        smsc.inbound.accept(mo);
        worker.handleInbound();
        assertThat(submitted).containsExactly("OK, see you", "Yes", "Yes", "OK, see you");
        assertThat(store.records(MoInbox.KIND, "")).hasSize(3).allSatisfy(r -> assertThat(r.text()).contains("\"state\":\"handled\""));
    }

    @Test
    void aReplyStoredBeforeARestartIsHandledAfterItAndOneLeftBeingHandledIsNotHandledAgain() throws Exception {
        String ref = notice();
        // acknowledged (stored), then the node dies before its worker handled it
        smsc.inbound.accept(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "OK, see you"));
        // another one a node was submitting as mail when it died: maybe sent
        MoInbox other = new MoInbox(store, settings.moDedupWindow(), clock);
        MoInbox.Received doubt = other.receive(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "maybe sent")).orElseThrow();
        assertThat(other.begin(doubt)).isTrue();
        worker.close();
        assertThat(submitted).isEmpty();
        assertThat(store.records(MoInbox.KIND, "")).extracting(StoredRecord::text)
                .anySatisfy(t -> assertThat(t).contains("\"text\":\"OK, see you\"").contains("\"state\":\"received\""));

        TestGateway again = new TestGateway("smsc", true);
        SmsWorker successor = worker(again);
        try {
            successor.handleInbound();
            assertThat(submitted).containsExactly("OK, see you");
            assertThat(counted("twinmail.sms.replies.in_doubt")).isEqualTo(1);
            // the SMSC delivers the first one again: known, dropped
            again.inbound.accept(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "OK, see you"));
            successor.handleInbound();
            assertThat(submitted).containsExactly("OK, see you");
            assertThat(store.records(MoInbox.KIND, "")).hasSize(2).allSatisfy(r -> assertThat(r.text()).contains("\"state\":\"handled\""));
        } finally {
            successor.close();
        }
    }
}
