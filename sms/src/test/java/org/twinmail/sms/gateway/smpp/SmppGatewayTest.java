package org.twinmail.sms.gateway.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.jsmpp.util.DeliveryReceiptState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.queue.NoticeConsumer;
import org.twinmail.sms.queue.QueueSettings;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsMetrics;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.sms.queue.SmsWorker;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The SMPP gateway against an SMSC in the test's process (jsmpp's server API), through the queue. */
class SmppGatewayTest {
    static final String PHONE = "+8613800138000";

    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    long inbox;
    TestSmsc smsc;
    SmppGateway gateway;
    SmsWorker worker;
    NoticeConsumer consumer;
    SmsQueue queue;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<Inbound> seen = new CopyOnWriteArrayList<>();

    SmppGateway.Settings settings(int port, int extension, int window, int throughput) {
        return new SmppGateway.Settings("smsc1", "127.0.0.1", port, "twinmail", "secret", "", "10690000", extension, window, throughput,
                Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(Duration.ofMillis(100), Duration.ofMillis(200)));
    }

    void start(int maxParts, int extension, int throughput) throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        language("en", "Europe/London");
        smsc = new TestSmsc(0, null);
        gateway = new SmppGateway(settings(smsc.port(), extension, 10, throughput)).start();
        QueueSettings qs = new QueueSettings(maxParts, List.of(Duration.ofMillis(200)), Duration.ofHours(1), Duration.ofDays(7), Duration.ofHours(1),
                Duration.ofMinutes(15), Duration.ofMillis(50), extension);
        queue = new SmsQueue(store);
        SmsMetrics metrics = new SmsMetrics(meters);
        worker = new SmsWorker(queue, List.of(gateway), qs, metrics, Clock.systemUTC());
        worker.moHandler(seen::add).start();
        consumer = new NoticeConsumer(queue, store, qs, metrics, Clock.systemUTC(), worker::wake).start(store);
        await(gateway::available);
    }

    void language(String lang, String zone) {
        store.putRecord(SmsRecords.SETTINGS, SmsRecords.scope(ann.id()), SmsRecords.NAME,
                new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, zone, 0, lang).encode(), 0);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (consumer != null) consumer.close();
        if (worker != null) worker.close();
        if (gateway != null) gateway.close();
        if (smsc != null) smsc.close();
        if (store != null) store.close();
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached in 20 s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    void deliver(String message) {
        store.append(inbox, MessageSpool.of(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), Set.of(), java.time.Instant.now());
    }

    void deliver(byte[] message) {
        store.append(inbox, MessageSpool.of(message), Set.of(), java.time.Instant.now());
    }

    List<SmsItem> done() {
        List<SmsItem> out = new ArrayList<>();
        store.records(SmsQueue.DONE).forEach(r -> out.add(SmsItem.decode(r.value())));
        return out;
    }

    @Test
    void anEnglishNoticeArrivesAsGsmWithTheReferenceInTheSourceAddressAndItsReceiptMakesItDelivered() throws Exception {
        start(1, 4, 0);
        deliver("From: Alice Smith <alice@example.org>\nSubject: Lunch tomorrow?\n\nAre we still on for lunch? [12:30] {room 4} costs 10€\n");
        await(() -> smsc.submitted.size() == 1);
        TestSmsc.Submitted s = smsc.submitted.getFirst();
        assertThat(s.dest()).isEqualTo("8613800138000");
        assertThat(s.source()).matches("10690000[0-9]{4}");
        assertThat(s.dataCoding()).isZero();
        assertThat(s.esmClass()).isZero();
        assertThat(s.registeredDelivery()).isEqualTo(1);
        String text = org.twinmail.sms.encoding.Gsm7.decode(java.util.HexFormat.of().parseHex(s.hex()));
        assertThat(text).startsWith("Mail from Alice Smith, ").contains("\nLunch tomorrow?\nAre we still on for lunch? [12:30] {room 4} costs 10€");
        assertThat(s.hex()).startsWith("4d61696c2066726f6d20416c69636520536d6974682c20").contains("1b3c").contains("1b65");
        System.out.println("EXAMPLE en source_addr=" + s.source() + " esm_class=" + s.esmClass() + " data_coding=" + s.dataCoding()
                + " short_message=" + s.hex()); // docs/sms.md, "Notices as the SMSC received them"
        await(() -> done().size() == 1);
        assertThat(done().getFirst().state()).isEqualTo(SmsItem.State.SENT);
        // the reference in the source address is the one a reply is matched by
        String ref = s.source().substring(8);
        assertThat(queue.byRef(PHONE, ref, System.currentTimeMillis())).isPresent();
        smsc.receipt(s.messageId(), DeliveryReceiptState.DELIVRD);
        await(() -> done().getFirst().state() == SmsItem.State.DELIVERED);
        assertThat(meters.counter("twinmail.sms.delivered").count()).isEqualTo(1);
    }

    @Test
    void aChineseNoticeIsUcs2AndAMoMessageIsReadInItsCoding() throws Exception {
        start(1, 4, 0);
        language("zh", "Asia/Shanghai");
        java.nio.charset.Charset gb = java.nio.charset.Charset.forName("GB2312");
        byte[] head = ("From: =?GB2312?B?" + java.util.Base64.getEncoder().encodeToString("张伟".getBytes(gb)) + "?= <zhang@example.cn>\r\n"
                + "Subject: =?GB2312?B?" + java.util.Base64.getEncoder().encodeToString("明天开会".getBytes(gb)) + "?=\r\n"
                + "Content-Type: text/plain; charset=gb2312\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = "明天上午十点开会。\r\n".getBytes(gb);
        byte[] m = new byte[head.length + body.length];
        System.arraycopy(head, 0, m, 0, head.length);
        System.arraycopy(body, 0, m, head.length, body.length);
        deliver(m);
        await(() -> smsc.submitted.size() == 1);
        TestSmsc.Submitted s = smsc.submitted.getFirst();
        assertThat(s.dataCoding()).isEqualTo(8);
        String text = new String(java.util.HexFormat.of().parseHex(s.hex()), StandardCharsets.UTF_16BE);
        assertThat(text).matches("新邮件 张伟 [0-9]+月[0-9]+日 [0-9]{2}:[0-9]{2}\n明天开会\n明天上午十点开会。");
        assertThat(s.hex()).startsWith("65b090ae4ef600205f204f1f");
        System.out.println("EXAMPLE zh source_addr=" + s.source() + " esm_class=" + s.esmClass() + " data_coding=" + s.dataCoding()
                + " short_message=" + s.hex());

        smsc.mo("8613800138000", "106900001234", 8, "好的，收到".getBytes(StandardCharsets.UTF_16BE));
        smsc.mo("8613800138000", "106900001234", 0, org.twinmail.sms.encoding.Gsm7.encode("OK, see you {at} 10"));
        await(() -> seen.size() == 2);
        assertThat(seen).containsExactly(new Inbound.Mo("smsc1", PHONE, "106900001234", "1234", "好的，收到"),
                new Inbound.Mo("smsc1", PHONE, "106900001234", "1234", "OK, see you {at} 10"));
    }

    @Test
    void aLongNoticeGoesAsConcatenatedPartsWithTheirUdh() throws Exception {
        start(3, 0, 0);
        deliver("From: Carol <carol@example.org>\nSubject: Quarterly report\n\n" + "The figures for the quarter are in. ".repeat(20));
        await(() -> smsc.submitted.size() == 3);
        List<TestSmsc.Submitted> parts = smsc.submitted;
        for (int i = 0; i < 3; i++) {
            TestSmsc.Submitted p = parts.get(i);
            assertThat(p.esmClass()).isEqualTo(0x40);
            assertThat(p.dataCoding()).isZero();
            assertThat(p.source()).isEqualTo("10690000");
            assertThat(p.hex()).startsWith("050003");
            assertThat(p.hex().substring(8, 12)).isEqualTo("030" + (i + 1));
            System.out.println("EXAMPLE long part " + (i + 1) + " source_addr=" + p.source() + " esm_class=" + p.esmClass() + " data_coding="
                    + p.dataCoding() + " short_message=" + p.hex());
        }
        assertThat(parts.get(0).hex().substring(6, 8)).isEqualTo(parts.get(2).hex().substring(6, 8)); // one reference
        assertThat(parts.get(0).hex().length() / 2).isEqualTo(6 + 153);
        StringBuilder whole = new StringBuilder();
        for (TestSmsc.Submitted p : parts) whole.append(org.twinmail.sms.encoding.Gsm7.decode(java.util.HexFormat.of().parseHex(p.hex().substring(12))));
        await(() -> done().size() == 1);
        assertThat(whole.toString()).startsWith("Mail from Carol, ").contains("\nQuarterly report\nThe figures").endsWith("#" + done().getFirst().ref());
        assertThat(done().getFirst().messageIds()).hasSize(3);
    }

    @Test
    void submitsKeepToTheThroughputAndTheWindow() throws Exception {
        start(1, 0, 5);
        SmsText t = SmsText.of("x", 1);
        long start = System.nanoTime();
        for (int i = 0; i < 6; i++) gateway.submit("t" + i, PHONE, "", t, 0);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950)); // 6 at 5/s: 1 s at least
        gateway.close();
        smsc.holdMillis = 150;
        SmppGateway narrow = new SmppGateway(new SmppGateway.Settings("narrow", "127.0.0.1", smsc.port(), "twinmail", "secret", "", "10690000",
                0, 2, 0, Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(Duration.ofMillis(100)))).start();
        try {
            await(narrow::available);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        narrow.submit("w", PHONE, "", t, 0);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread th : threads) th.join();
            assertThat(smsc.submitted).hasSize(12);
            assertThat(smsc.maxInFlight.get()).isLessThanOrEqualTo(2);
        } finally {
            narrow.close();
        }
    }

    @Test
    void anSmscDownThenUpGetsEveryNoticeOnce() throws Exception {
        start(1, 4, 0);
        int port = smsc.port();
        deliver("From: a@example.org\nSubject: one\n\nfirst");
        await(() -> done().size() == 1); // answered and recorded: closing now cannot leave it in doubt
        java.util.concurrent.atomic.AtomicInteger lastId = new java.util.concurrent.atomic.AtomicInteger(smsc.lastId());
        smsc.close();
        await(() -> !gateway.available());
        deliver("From: a@example.org\nSubject: two\n\nsecond");
        deliver("From: a@example.org\nSubject: three\n\nthird");
        await(() -> store.records(SmsQueue.OUT).size() == 2);
        smsc.refuseNext = 0;
        TestSmsc again = new TestSmsc(port, lastId);
        again.refuseNext = 1; // and it throttles the first submit after it is back
        smsc = again;
        await(() -> again.submitted.size() == 2);
        await(() -> done().size() == 3);
        assertThat(again.submitted).extracting(x -> org.twinmail.sms.encoding.Gsm7.decode(java.util.HexFormat.of().parseHex(x.hex())))
                .anySatisfy(x -> assertThat(x).contains("\ntwo\nsecond")).anySatisfy(x -> assertThat(x).contains("\nthree\nthird"));
        assertThat(done()).allSatisfy(i -> assertThat(i.state()).isEqualTo(SmsItem.State.SENT));
        assertThat(meters.counter("twinmail.sms.sent").count()).isEqualTo(3);
        assertThat(store.records(SmsQueue.OUT)).isEmpty(); // nothing left that could go again
        assertThat(again.submitted).hasSize(2);
    }
}
