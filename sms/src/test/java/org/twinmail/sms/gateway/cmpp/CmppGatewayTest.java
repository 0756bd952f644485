package org.twinmail.sms.gateway.cmpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.encoding.Alphabet;
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

/** The CMPP gateway against an ISMG in the test's process ({@link TestIsmg}), through the queue, in CMPP 3.0 and 2.0. */
class CmppGatewayTest {
    static final String PHONE = "+8613800138000";
    static final String SP = "901234";
    static final String SECRET = "s3cret";

    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    long inbox;
    TestIsmg ismg;
    CmppGateway gateway;
    SmsWorker worker;
    NoticeConsumer consumer;
    SmsQueue queue;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<Inbound> seen = new CopyOnWriteArrayList<>();

    static CmppGateway.Settings settings(String name, int port, CmppVersion v, String secret, int extension, int window, int throughput,
                                         Duration activeTest) {
        return new CmppGateway.Settings(name, "127.0.0.1", port, v, SP, secret, "MTWM", "10690000", extension, 2, "01", "000000", "86", window,
                throughput, activeTest, 2, Duration.ofSeconds(5), List.of(Duration.ofMillis(100), Duration.ofMillis(200)));
    }

    void start(CmppVersion v, int maxParts, int extension, int throughput) throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        language("en", "Europe/London");
        ismg = new TestIsmg(0, SP, SECRET, 0);
        gateway = new CmppGateway(settings("ismg1", ismg.port(), v, SECRET, extension, 16, throughput, Duration.ofSeconds(30)), Clock.systemUTC())
                .start();
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
        if (ismg != null) ismg.close();
        if (store != null) store.close();
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached in 30 s");
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

    static String ascii(TestIsmg.Submitted s, int skip) {
        return new String(HexFormat.of().parseHex(s.hex().substring(2 * skip)), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(CmppVersion.class)
    void anEnglishNoticeGoesAsAsciiFromTheExtendedNumberWithTheServiceCodeAndItsReportMakesItDelivered(CmppVersion v) throws Exception {
        start(v, 1, 4, 0);
        deliver("From: Alice Smith <alice@example.org>\nSubject: Lunch tomorrow?\n\nAre we still on for lunch? [12:30] {room 4} costs 10 dollars\n");
        await(() -> ismg.submitted.size() == 1);
        TestIsmg.Submitted s = ismg.submitted.getFirst();
        assertThat(s.version()).isEqualTo(v);
        assertThat(ismg.logins.getFirst().version()).isEqualTo(v.code());
        assertThat(s.dest()).isEqualTo("13800138000");
        assertThat(s.srcId()).matches("10690000[0-9]{4}");
        assertThat(s.msgFmt()).isEqualTo(CmppPdu.FMT_ASCII);
        assertThat(s.pdu().tpUdhi()).isZero();
        assertThat(s.pdu().pkTotal()).isEqualTo(1);
        assertThat(s.pdu().pkNumber()).isEqualTo(1);
        assertThat(s.pdu().registeredDelivery()).isEqualTo(1);
        assertThat(s.pdu().serviceId()).isEqualTo("MTWM");
        assertThat(s.pdu().msgSrc()).isEqualTo(SP);
        assertThat(s.pdu().feeType()).isEqualTo("01");
        assertThat(ascii(s, 0)).startsWith("Mail from Alice Smith, ")
                .endsWith("\nLunch tomorrow?\nAre we still on for lunch? [12:30] {room 4} costs 10 dollars");
        assertThat(s.hex()).startsWith("4d61696c2066726f6d20416c69636520536d6974682c20").contains("5b31323a33305d"); // "[12:30]" as ASCII
        System.out.println("EXAMPLE cmpp " + v + " en Msg_Fmt=" + s.msgFmt() + " Src_Id=" + s.srcId() + " Msg_Content=" + s.hex());
        await(() -> done().size() == 1);
        assertThat(done().getFirst().state()).isEqualTo(SmsItem.State.SENT);
        assertThat(done().getFirst().messageIds()).containsExactly(s.msgId());
        String ref = s.srcId().substring(8);
        assertThat(queue.byRef(PHONE, ref, System.currentTimeMillis())).isPresent();
        ismg.report(s.msgId(), "DELIVRD", "13800138000");
        await(() -> done().getFirst().state() == SmsItem.State.DELIVERED);
        assertThat(meters.counter("twinmail.sms.delivered").count()).isEqualTo(1);
        await(() -> ismg.deliverResps.get() == 1);
    }

    @Test
    void aChineseNoticeIsUcs2AndMoMessagesAreReadInTheirFormatAndJoined() throws Exception {
        start(CmppVersion.V3, 1, 4, 0);
        language("zh", "Asia/Shanghai");
        Charset gb = Charset.forName("GB2312");
        byte[] head = ("From: =?GB2312?B?" + Base64.getEncoder().encodeToString("张伟".getBytes(gb)) + "?= <zhang@example.cn>\r\n"
                + "Subject: =?GB2312?B?" + Base64.getEncoder().encodeToString("明天开会".getBytes(gb)) + "?=\r\n"
                + "Content-Type: text/plain; charset=gb2312\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = "明天上午十点开会。\r\n".getBytes(gb);
        byte[] m = new byte[head.length + body.length];
        System.arraycopy(head, 0, m, 0, head.length);
        System.arraycopy(body, 0, m, head.length, body.length);
        deliver(m);
        await(() -> ismg.submitted.size() == 1);
        TestIsmg.Submitted s = ismg.submitted.getFirst();
        assertThat(s.msgFmt()).isEqualTo(CmppPdu.FMT_UCS2);
        String text = new String(HexFormat.of().parseHex(s.hex()), StandardCharsets.UTF_16BE);
        assertThat(text).matches("新邮件 张伟 [0-9]+月[0-9]+日 [0-9]{2}:[0-9]{2}\n明天开会\n明天上午十点开会。");
        assertThat(s.hex()).startsWith("65b090ae4ef600205f204f1f");
        System.out.println("EXAMPLE cmpp zh Msg_Fmt=" + s.msgFmt() + " Src_Id=" + s.srcId() + " Msg_Content=" + s.hex());

        // MO (Registered_Delivery 0) to the extended number, in UCS-2, GB and ASCII, from a national or an international number
        ismg.mo("13800138000", "106900001234", CmppPdu.FMT_UCS2, "好的，收到".getBytes(StandardCharsets.UTF_16BE), false);
        ismg.mo("8613800138000", "106900001234", CmppPdu.FMT_GB, "明白".getBytes(Charset.forName("GB18030")), false);
        ismg.mo("13800138000", "10690000", CmppPdu.FMT_ASCII, "OK, see you {at} 10".getBytes(StandardCharsets.US_ASCII), false);
        // a long reply in two parts (UDH 05 00 03 ref 02 n), the second arriving first, split inside nothing but the parts
        byte[] all = "这是一条很长的回复，分成两段发送。".getBytes(StandardCharsets.UTF_16BE);
        byte[] p1 = concat(HexFormat.of().parseHex("0500032a0201"), java.util.Arrays.copyOfRange(all, 0, 20));
        byte[] p2 = concat(HexFormat.of().parseHex("0500032a0202"), java.util.Arrays.copyOfRange(all, 20, all.length));
        ismg.mo("13800138000", "106900001234", CmppPdu.FMT_UCS2, p2, true);
        ismg.mo("13800138000", "106900001234", CmppPdu.FMT_UCS2, p1, true);
        await(() -> seen.size() == 4);
        // each with the ISMG's Msg_Id (of its last part), by which a redelivery is known
        assertThat(seen).allSatisfy(x -> assertThat(((Inbound.Mo) x).messageId()).matches("[0-9]+"))
                .extracting(x -> ((Inbound.Mo) x).messageId()).doesNotHaveDuplicates();
        assertThat(seen).extracting(x -> (Inbound) new Inbound.Mo(((Inbound.Mo) x).gateway(), ((Inbound.Mo) x).from(), ((Inbound.Mo) x).to(),
                ((Inbound.Mo) x).extension(), ((Inbound.Mo) x).text())).containsExactly(
                new Inbound.Mo("ismg1", PHONE, "106900001234", "1234", "好的，收到"),
                new Inbound.Mo("ismg1", PHONE, "106900001234", "1234", "明白"),
                new Inbound.Mo("ismg1", PHONE, "10690000", "", "OK, see you {at} 10"),
                new Inbound.Mo("ismg1", PHONE, "106900001234", "1234", "这是一条很长的回复，分成两段发送。"));
        await(() -> ismg.deliverResps.get() == 5); // every DELIVER answered, each part too
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aLongNoticeGoesInPartsWithTheirUdhTpUdhiAndPkNumbers() throws Exception {
        start(CmppVersion.V3, 3, 0, 0);
        deliver("From: Carol <carol@example.org>\nSubject: Quarterly report\n\n" + "The figures for the quarter are in. ".repeat(20));
        await(() -> ismg.submitted.size() == 3);
        List<TestIsmg.Submitted> parts = ismg.submitted;
        for (int i = 0; i < 3; i++) {
            TestIsmg.Submitted p = parts.get(i);
            assertThat(p.pdu().tpUdhi()).isEqualTo(1);
            assertThat(p.pdu().pkTotal()).isEqualTo(3);
            assertThat(p.pdu().pkNumber()).isEqualTo(i + 1);
            assertThat(p.msgFmt()).isEqualTo(CmppPdu.FMT_ASCII);
            assertThat(p.srcId()).isEqualTo("10690000");
            assertThat(p.hex()).startsWith("050003");
            assertThat(p.hex().substring(8, 12)).isEqualTo("030" + (i + 1));
            System.out.println("EXAMPLE cmpp long part " + (i + 1) + " Msg_Fmt=" + p.msgFmt() + " Msg_Content=" + p.hex());
        }
        assertThat(parts.get(0).hex().substring(6, 8)).isEqualTo(parts.get(2).hex().substring(6, 8)); // one reference
        assertThat(parts.get(0).hex().length() / 2).isEqualTo(6 + 153);
        StringBuilder whole = new StringBuilder();
        for (TestIsmg.Submitted p : parts) whole.append(ascii(p, 6));
        await(() -> done().size() == 1);
        assertThat(whole.toString()).startsWith("Mail from Carol, ").contains("\nQuarterly report\nThe figures").endsWith("#" + done().getFirst().ref());
        assertThat(done().getFirst().messageIds()).hasSize(3);
        // a long Chinese text: UCS-2 parts of 67 characters after the UDH
        SmsText zh = gateway.encode("长".repeat(100), 7);
        assertThat(zh.alphabet()).isEqualTo(Alphabet.UCS2);
        CmppPdu.Submit second = gateway.submitPdu(PHONE, "", zh, 1);
        assertThat(second.msgFmt()).isEqualTo(CmppPdu.FMT_UCS2);
        assertThat(second.content()).hasSize(6 + 33 * 2);
        assertThat(HexFormat.of().formatHex(second.content())).startsWith("050003070202");
    }

    @Test
    void gsmLettersOutsideAsciiGoAsUcs2AndANoticeIsFittedToThat() {
        CmppGateway g = new CmppGateway(settings("x", 9, CmppVersion.V3, SECRET, 0, 1, 0, Duration.ofSeconds(30)), Clock.systemUTC());
        assertThat(g.encode("Café “open” – 10€? no: 10 dollars", 1).alphabet()).isEqualTo(Alphabet.UCS2);
        assertThat(g.encode("Meeting at 10 {room 4} - “open”", 1).alphabet()).isEqualTo(Alphabet.GSM7); // stand-ins make it ASCII
        assertThat(g.partsNeeded("é".repeat(100))).isEqualTo(2);       // 100 UCS-2 characters
        assertThat(SmsText.partsNeeded("é".repeat(100))).isEqualTo(1);  // 100 GSM septets elsewhere
        assertThat(g.destination("+8613800138000")).isEqualTo("13800138000");
        assertThat(g.destination("+447700900123")).isEqualTo("447700900123");
        assertThat(g.e164("13800138000")).isEqualTo("+8613800138000");
        assertThat(g.e164("8613800138000")).isEqualTo("+8613800138000");
        assertThat(g.e164("+447700900123")).isEqualTo("+447700900123");
        assertThat(g.e164("00447700900123")).isEqualTo("+447700900123");
    }

    @Test
    void submitsKeepToTheThroughputAndTheWindowAndFlowControlIsNotNow() throws Exception {
        start(CmppVersion.V3, 1, 0, 5);
        SmsText t = gateway.encode("x", 1);
        long start = System.nanoTime();
        for (int i = 0; i < 6; i++) gateway.submit("t" + i, PHONE, "", t, 0);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950)); // 6 at 5/s: 1 s at least
        ismg.refuseNext = 1;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.submit("r", PHONE, "", t, 0))
                .isInstanceOfSatisfying(org.twinmail.sms.gateway.SmsGateway.SubmitException.Refused.class, e -> assertThat(e.permanent()).isFalse())
                .hasMessageContaining("Result 8");
        gateway.close();
        ismg.holdMillis = 150;
        CmppGateway narrow = new CmppGateway(settings("narrow", ismg.port(), CmppVersion.V2, SECRET, 0, 2, 0, Duration.ofSeconds(30)),
                Clock.systemUTC()).start();
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
            assertThat(ismg.submitted).hasSize(12);
            assertThat(ismg.maxInFlight.get()).isLessThanOrEqualTo(2);
        } finally {
            narrow.close();
        }
    }

    @Test
    void anIsmgDownThenUpGetsEveryNoticeOnce() throws Exception {
        start(CmppVersion.V3, 1, 4, 0);
        int port = ismg.port();
        deliver("From: a@example.org\nSubject: one\n\nfirst");
        await(() -> done().size() == 1); // answered and recorded: closing now cannot leave it in doubt
        long lastId = ismg.lastId();
        ismg.close();
        await(() -> !gateway.available());
        deliver("From: a@example.org\nSubject: two\n\nsecond");
        deliver("From: a@example.org\nSubject: three\n\nthird");
        await(() -> store.records(SmsQueue.OUT).size() == 2);
        TestIsmg again = new TestIsmg(port, SP, SECRET, lastId);
        again.refuseNext = 1; // and it throttles (flow control) the first submit after it is back
        ismg = again;
        await(() -> done().size() == 3);
        assertThat(again.submitted).extracting(x -> ascii(x, 0))
                .anySatisfy(x -> assertThat(x).contains("\ntwo\nsecond")).anySatisfy(x -> assertThat(x).contains("\nthree\nthird"));
        assertThat(done()).allSatisfy(i -> assertThat(i.state()).isEqualTo(SmsItem.State.SENT));
        await(() -> store.records(SmsQueue.OUT).isEmpty()); // nothing left that could go again (removed after the done copy is written)
        await(() -> meters.counter("twinmail.sms.sent").count() == 3);
        assertThat(again.submitted).hasSize(2);
    }

    @Test
    void activeTestsKeepTheLinkAndAnUnansweringIsmgIsDroppedAndConnectedAgain() throws Exception {
        try (TestIsmg i = new TestIsmg(0, SP, SECRET, 0);
             CmppGateway g = new CmppGateway(settings("kept", i.port(), CmppVersion.V3, SECRET, 0, 4, 0, Duration.ofMillis(200)),
                     Clock.systemUTC()).start()) {
            await(g::available);
            await(() -> i.activeTests.get() >= 2); // idle: the gateway asks
            assertThat(i.logins).hasSize(1);
            i.activeTest();                         // and it answers the ISMG's
            await(() -> i.activeTestResps.get() == 1);
            i.silent = true;                        // a hung ISMG: 2 unanswered in a row drop the link; the gateway logs in again
            await(() -> i.logins.size() >= 2);
            i.silent = false;
            await(g::available);
            SmsText t = g.encode("after the drop", 1);
            g.submit("x", PHONE, "", t, 0);
            assertThat(i.submitted).hasSize(1);
        }
    }

    @Test
    void anMoTheListenerCannotKeepIsNotAcknowledged() throws Exception {
        try (TestIsmg i = new TestIsmg(0, SP, SECRET, 0);
             CmppGateway g = new CmppGateway(settings("acks", i.port(), CmppVersion.V3, SECRET, 4, 4, 0, Duration.ofSeconds(30)),
                     Clock.systemUTC())) {
            java.util.concurrent.atomic.AtomicBoolean storeDown = new java.util.concurrent.atomic.AtomicBoolean(true);
            g.onInbound(in -> {
                if (storeDown.get()) throw new IllegalStateException("the store cannot write");
                seen.add(in);
            });
            g.start();
            await(g::available);
            i.mo("13800138000", "106900001234", CmppPdu.FMT_ASCII, "ok".getBytes(StandardCharsets.US_ASCII), false);
            await(() -> i.deliverResults.size() == 1);
            assertThat(i.deliverResults).containsExactly(CmppGateway.RESULT_NOT_TAKEN); // the ISMG keeps it and delivers it again
            storeDown.set(false);
            i.mo("13800138000", "106900001234", CmppPdu.FMT_ASCII, "ok".getBytes(StandardCharsets.US_ASCII), false);
            await(() -> i.deliverResults.size() == 2);
            assertThat(i.deliverResults.get(1)).isZero();
            assertThat(seen).singleElement().isInstanceOfSatisfying(Inbound.Mo.class, mo -> {
                assertThat(new Inbound.Mo(mo.gateway(), mo.from(), mo.to(), mo.extension(), mo.text()))
                        .isEqualTo(new Inbound.Mo("acks", PHONE, "106900001234", "1234", "ok"));
                assertThat(mo.messageId()).matches("[0-9]+"); // the DELIVER's Msg_Id, by which a redelivery is known
            });
        }
    }

    @Test
    void aWrongSecretIsRefusedAndTheGatewayStaysUnavailable() throws Exception {
        try (TestIsmg i = new TestIsmg(0, SP, SECRET, 0);
             CmppGateway g = new CmppGateway(settings("wrong", i.port(), CmppVersion.V3, "not-it", 0, 4, 0, Duration.ofSeconds(30)),
                     Clock.systemUTC()).start()) {
            await(() -> i.logins.size() >= 2); // refused, tried again after the back-off
            assertThat(g.available()).isFalse();
            assertThat(i.connections()).isZero();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.submit("x", PHONE, "", g.encode("x", 1), 0))
                    .isInstanceOf(org.twinmail.sms.gateway.SmsGateway.SubmitException.Refused.class);
        }
    }
}
