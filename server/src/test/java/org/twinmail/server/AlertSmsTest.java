package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.monitor.Alerts;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.store.MailStore;
import org.twinmail.store.StoredRecord;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** A new alert goes by SMS to console.alertSmsTo as well as by mail, once per alert and number, only when the node sends SMS. */
class AlertSmsTest {
    @TempDir
    Path dir;

    @Test
    void eachNewAlertIsQueuedOncePerNumberBesideTheMail() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(dir);
        config.sms.enabled = true;
        config.console.alertSmsTo = List.of("+8613800138000", "+33612345678");
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T21:00:00Z"), ZoneOffset.UTC);
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir.resolve("store")))) {
            List<String> mailed = new ArrayList<>();
            var notify = Monitoring.smsToo(config, store, clock, a -> mailed.add(a.name()));
            Alerts.Alert disk = new Alerts.Alert("disk", "2026-12-07T20:59:00Z", "the data volume is 93.1% full (threshold 90%)");
            notify.accept(disk);
            notify.accept(disk); // the same alert checked again (a takeover): nothing more is queued
            assertThat(mailed).containsExactly("disk", "disk");
            List<StoredRecord> pending = new SmsQueue(store).pending();
            assertThat(pending).hasSize(2);
            List<SmsItem> items = pending.stream().map(r -> SmsItem.decode(r.value())).toList();
            assertThat(items).extracting(SmsItem::purpose).containsOnly(SmsItem.Purpose.ALERT);
            assertThat(items).extracting(SmsItem::phone).containsExactlyInAnyOrder("+8613800138000", "+33612345678");
            assertThat(items.getFirst().text()).isEqualTo("TwinMail mx.test.example: the data volume is 93.1% full (threshold 90%)");
            assertThat(items.getFirst().state()).isEqualTo(SmsItem.State.QUEUED);

            // without SMS on the node, only the mail
            config.sms.enabled = false;
            java.util.function.Consumer<Alerts.Alert> mailOnly = a -> { };
            assertThat(Monitoring.smsToo(config, store, clock, mailOnly)).isSameAs(mailOnly);
            config.sms.enabled = true;
            config.console.alertSmsTo = List.of("0612345678");
            assertThatThrownBy(() -> Monitoring.smsToo(config, store, clock, mailOnly)).hasMessageContaining("not an E.164 number: 0612345678");
        }
    }

    /**
     * End to end: a threshold crossed on a running node (the disk alert at a threshold every volume
     * passes) produces an SMS that reaches an in-process SMSC, sent by the active node's SMS worker.
     */
    @Test
    void anAlertReachesTheSmscAsAnSms() throws Exception {
        try (org.twinmail.sms.gateway.smpp.TestSmsc smsc = new org.twinmail.sms.gateway.smpp.TestSmsc(0, null)) {
            TwinmailConfig config = SmsEndToEndTest.config(dir.resolve("node"), smsc);
            config.console.sampleInterval = java.time.Duration.ofMillis(250);
            config.console.alertDiskPercent = 0.0001;
            config.console.alertSmsTo = List.of("+33612345678");
            try (TwinmailServer server = TwinmailServer.start(config)) {
                SmsEndToEndTest.await(() -> smsc.submitted.stream().anyMatch(x -> x.dest().equals("33612345678")));
                var sent = smsc.submitted.stream().filter(x -> x.dest().equals("33612345678")).toList();
                String text = org.twinmail.sms.encoding.Gsm7.decode(java.util.HexFormat.of().parseHex(sent.getFirst().hex()));
                assertThat(text).startsWith("TwinMail mx.test.example: the data volume is ").contains("% full (threshold 0%)");
                assertThat(sent.getFirst().source()).isEqualTo("10690000");
            }
        }
    }
}
