package org.twinmail.sms.reply;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.queue.NoticeConsumer;
import org.twinmail.sms.queue.QueueSettings;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsMetrics;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.sms.queue.SmsWorker;
import org.twinmail.store.StoredRecord;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Replies by SMS: matched to their notice, sent on as mail through the submission port, saved in Sent; every refusal answered once. */
class ReplyHandlerTest {
    static final String PHONE = "+8613800138000";
    static final String MAIL = "From: Bob Lee <bob@example.org>\nSubject: Lunch\nMessage-ID: <l1@example.org>\n"
            + "References: <l0@example.org>\n\nAre we on for noon?\n";

    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    long inbox;
    final Instant start = Instant.parse("2026-12-07T04:00:00Z");
    Instant now = start;
    final Clock clock = new Clock() {
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    };
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final SmsMetrics metrics = new SmsMetrics(meters);
    final QueueSettings settings = QueueSettings.defaults();
    record Submitted(Account account, EmailAddress to, byte[] message) { }
    final List<Submitted> submitted = new ArrayList<>();
    ReplySubmission.Result answer = new ReplySubmission.Result.Sent("Q1");
    SmsQueue queue;
    SmsWorker worker;
    NoticeConsumer consumer;
    ReplyHandler handler;

    @BeforeEach
    void setUp() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        queue = new SmsQueue(store);
        worker = new SmsWorker(queue, List.of(), settings, metrics, clock); // not started: the answers stay queued for the test to read
        consumer = new NoticeConsumer(queue, store, settings, metrics, clock, () -> { });
        handler = new ReplyHandler(queue, store, store, (account, to, message) -> {
            submitted.add(new Submitted(account, to, message));
            return answer;
        }, worker, metrics, clock, "mail.example.com", Duration.ofHours(1), settings.replyWindow());
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "en"));
    }

    @AfterEach
    void tearDown() {
        worker.close();
        store.close();
    }

    void settings(SmsSettings s) {
        store.putRecord(SmsRecords.SETTINGS, SmsRecords.scope(ann.id()), SmsRecords.NAME, s.encode(), 0);
    }

    /** Delivers MAIL and lets the consumer queue its notice; returns the notice's reference. */
    String notice() throws Exception {
        store.append(inbox, MessageSpool.of(MAIL.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), Set.of(), clock.instant());
        consumer.handle(store.changesSince(0, 1000));
        StoredRecord out = store.records(SmsQueue.OUT).stream().filter(r -> r.name().startsWith("n.")).findFirst().orElseThrow();
        return SmsItem.decode(out.value()).ref();
    }

    /** The answers queued by SMS: phone and text. */
    List<String> answers() {
        return store.records(SmsQueue.OUT).stream().map(r -> SmsItem.decode(r.value()))
                .filter(i -> i.purpose() == SmsItem.Purpose.ANSWER).map(i -> i.phone() + " " + i.text()).toList();
    }

    double refused(String reason) {
        var c = meters.find("twinmail.sms.replies.refused").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aReplyIsReadFromTheExtensionOrFromTheCodeAtTheStartOfTheText() {
        assertThat(SmsReply.parse(new Inbound.Mo("g", PHONE, "106900004711", "4711", " OK, see you")))
                .isEqualTo(new SmsReply(PHONE, Optional.of("4711"), "OK, see you"));
        assertThat(SmsReply.parse(new Inbound.Mo("g", PHONE, "10690000", "", "#jdrw: OK, see you\n")))
                .isEqualTo(new SmsReply(PHONE, Optional.of("JDRW"), "OK, see you"));
        assertThat(SmsReply.parse(new Inbound.Mo("g", PHONE, "10690000", "", "#JDRWX1234 too long")).ref()).isEmpty();
        assertThat(SmsReply.parse(new Inbound.Mo("g", PHONE, "10690000", "", "OK #JDRW")).ref()).isEmpty();
        assertThat(ReplyMessage.subject("Lunch")).isEqualTo("Re: Lunch");
        assertThat(ReplyMessage.subject("RE: Lunch")).isEqualTo("RE: Lunch");
    }

    @Test
    void aReplyBecomesMailToTheSenderThreadedUnderTheOriginalAndACopyInSent() throws Exception {
        String ref = notice();
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "好的 see you at noon 😀"));
        assertThat(submitted).hasSize(1);
        Submitted s = submitted.getFirst();
        assertThat(s.account().id()).isEqualTo(ann.id());
        assertThat(s.to()).isEqualTo(EmailAddress.parse("bob@example.org"));
        MimePart m = MimePart.parse(s.message());
        Header h = m.headerSection();
        assertThat(h.value("From")).isEqualTo("ann@example.com");
        assertThat(h.value("To")).isEqualTo("bob@example.org");
        assertThat(h.value("Subject")).isEqualTo("Re: Lunch");
        assertThat(h.value("In-Reply-To")).isEqualTo("<l1@example.org>");
        assertThat(h.value("References").replaceAll("\\s+", " ").strip()).isEqualTo("<l0@example.org> <l1@example.org>");
        assertThat(h.value("Message-ID")).matches("<[-0-9a-f]+\\.sms@mail\\.example\\.com>");
        assertThat(h.value("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(m.text()).isEqualTo("好的 see you at noon 😀\r\n");
        var sent = store.mailboxes(ann.id()).stream().filter(b -> b.specialUse() == SpecialUse.SENT).findFirst().orElseThrow();
        List<MessageEntry> copies = store.messages(sent.id());
        assertThat(copies).hasSize(1);
        assertThat(copies.getFirst().flags()).contains("\\Seen");
        assertThat(new String(store.openBlob(copies.getFirst().blobId()).readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo(new String(s.message(), StandardCharsets.UTF_8));
        assertThat(meters.find("twinmail.sms.replies.sent").counter().count()).isEqualTo(1.0);
        assertThat(answers()).isEmpty();

        // without an extension, the code in the text matches too
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000", "", "#" + ref.toLowerCase() + " and bring the slides"));
        assertThat(submitted).hasSize(2);
        assertThat(MimePart.parse(submitted.get(1).message()).text())
                .isEqualTo("and bring the slides\r\n");
    }

    @Test
    void anUnknownOrUnverifiedNumberIsAnsweredOncePerIntervalAndNothingIsSent() throws Exception {
        String ref = notice();
        handler.handle(new Inbound.Mo("smsc", "+8613911112222", "10690000" + ref, ref, "hello"));
        handler.handle(new Inbound.Mo("smsc", "+8613911112222", "10690000" + ref, ref, "hello again")); // answered already
        assertThat(answers()).containsExactly("+8613911112222 TwinMail: this number is not registered for replies by SMS. Nothing was sent.");
        assertThat(store.records(SmsQueue.OUT).stream().filter(r -> r.name().startsWith("a.")).map(StoredRecord::scope)).containsExactly("");
        // ann's number set but not confirmed: the same answer, nothing sent for it
        settings(new SmsSettings(PHONE, "", true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "en"));
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "hello"));
        assertThat(answers()).hasSize(2).contains(PHONE + " TwinMail: this number is not registered for replies by SMS. Nothing was sent.");
        assertThat(submitted).isEmpty();
        assertThat(refused("unknown_number")).isEqualTo(3.0);
        // an hour later the stranger is answered again
        now = now.plus(Duration.ofMinutes(61));
        handler.handle(new Inbound.Mo("smsc", "+8613911112222", "10690000", "", "hello"));
        assertThat(answers()).hasSize(3);
    }

    @Test
    void aMissingUnknownOrStaleReferenceIsAnswered() throws Exception {
        String ref = notice();
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000", "", "no code here"));
        assertThat(answers()).containsExactly(PHONE + " TwinMail: start your reply with the #code of the notice you answer. Nothing was sent.");
        String other = ref.equals("ZZZZ") ? "YYYY" : "ZZZZ";
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + other, other, "wrong code"));
        assertThat(answers()).hasSize(2)
                .contains(PHONE + " TwinMail: the notice you answered is unknown or older than 7 days. Nothing was sent.");
        // the right reference, after the reply window: stale (the answer interval has passed too)
        now = now.plus(settings.replyWindow()).plusSeconds(1);
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "too late"));
        assertThat(answers()).hasSize(3);
        assertThat(submitted).isEmpty();
        assertThat(refused("no_reference")).isEqualTo(1.0);
        assertThat(refused("stale_reference")).isEqualTo(2.0);
    }

    @Test
    void aReplyOverTheSendingLimitIsAnsweredInTheUsersLanguageAndNotSaved() throws Exception {
        settings(new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "zh"));
        String ref = notice();
        answer = new ReplySubmission.Result.Refused("rate_limit", "450 4.7.1 Error: too many messages (200 messages per hour), try again later");
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "好的"));
        assertThat(submitted).hasSize(1);
        assertThat(answers()).containsExactly(PHONE + " TwinMail：已超过发信限额，邮件未发送，请稍后再试。");
        assertThat(store.mailboxes(ann.id()).stream().filter(b -> b.specialUse() == SpecialUse.SENT)
                .mapToLong(b -> store.messages(b.id()).size()).sum()).isZero();
        assertThat(refused("rate_limit")).isEqualTo(1.0);
        answer = new ReplySubmission.Result.Refused("recipient", "550 5.1.1 Recipient address rejected: User unknown");
        handler.handle(new Inbound.Mo("smsc", PHONE, "10690000" + ref, ref, "再试"));
        assertThat(answers()).hasSize(2).contains(PHONE + " TwinMail：邮件被拒绝（550 5.1.1 Recipient address rejected: User unknown），未发送。");
    }
}
