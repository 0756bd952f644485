package org.twinmail.admin.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The sampler's series, the history's minute and hour records, and the alerts, on a real store. */
class MonitoringTest {
    @TempDir
    Path dataDir;
    MailStore store;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void countersBecomeIncreasesAndGaugesLevels() {
        Counter accepted = Counter.builder("twinmail.smtp.messages").tag("outcome", "accepted").tag("reason", "none").register(registry);
        Counter unknown = Counter.builder("twinmail.smtp.messages").tag("outcome", "rejected").tag("reason", "unknown_user").register(registry);
        Counter imapIn = Counter.builder("twinmail.imap.bytes").tag("direction", "appended").register(registry);
        Counter smtpIn = Counter.builder("twinmail.smtp.bytes").register(registry);
        AtomicLong queued = new AtomicLong(7);
        Gauge.builder("twinmail.relay.queue.messages", queued, AtomicLong::get).register(registry);
        Timer commit = Timer.builder("twinmail.store.commit").register(registry);
        Counter.builder("something.else").register(registry).increment();
        MetricsSampler sampler = new MetricsSampler(registry, dataDir);
        accepted.increment(5);
        MetricsSampler.Sample first = sampler.sample();
        assertThat(first.counters()).isEmpty(); // nothing to subtract from yet
        assertThat(first.gauges()).containsEntry("queue.messages", 7.0).containsKeys("disk.used", "disk.total");

        accepted.increment(2);
        unknown.increment();
        imapIn.increment(100);
        smtpIn.increment(50);
        commit.record(4, TimeUnit.MILLISECONDS);
        commit.record(6, TimeUnit.MILLISECONDS);
        queued.set(3);
        MetricsSampler.Sample s = sampler.sample();
        assertThat(s.counters()).containsExactlyInAnyOrderEntriesOf(Map.of("received", 2.0, "rejected.unknown_user", 1.0, "bytes.in", 150.0,
                "store.commit.count", 2.0, "store.commit.ms", 10.0));
        assertThat(s.gauges()).containsEntry("queue.messages", 3.0).doesNotContainKey("something.else");
        assertThat(sampler.sample().counters()).isEmpty(); // nothing moved
    }

    @Test
    void minutesAddUpIntoTheirMinuteAndHourAndExpire() {
        TrafficHistory h = new TrafficHistory(store, Duration.ofHours(48), Duration.ofDays(90));
        Instant t = Instant.parse("2026-12-07T17:05:10Z");
        h.record(t, new MetricsSampler.Sample(Map.of("received", 2.0), Map.of("queue.messages", 5.0)));
        h.record(t.plusSeconds(20), new MetricsSampler.Sample(Map.of("received", 3.0), Map.of("queue.messages", 1.0)));
        h.record(t.plusSeconds(60), new MetricsSampler.Sample(Map.of("received", 1.0, "rejected.spam", 4.0), Map.of("queue.messages", 2.0)));
        List<TrafficHistory.Point> minutes = h.read(false, Instant.parse("2026-12-07T17:00:00Z"), n -> true);
        assertThat(minutes).extracting(TrafficHistory.Point::time).containsExactly("2026-12-07T17:05:00Z", "2026-12-07T17:06:00Z");
        assertThat(minutes.get(0).counters()).containsEntry("received", 5.0);
        assertThat(minutes.get(0).gauges()).containsEntry("queue.messages", 1.0); // the latest level of the minute
        List<TrafficHistory.Point> hours = h.read(true, Instant.parse("2026-12-07T00:00:00Z"), n -> !n.startsWith("rejected"));
        assertThat(hours).singleElement().satisfies(p -> {
            assertThat(p.time()).isEqualTo("2026-12-07T17:00:00Z");
            assertThat(p.counters()).containsExactly(Map.entry("received", 6.0));
            assertThat(p.gauges()).containsEntry("queue.messages", 5.0); // the hour's highest
        });
        assertThat(store.record(TrafficHistory.MINUTE, "", "2026-12-07T17:05").orElseThrow().expiresMillis())
                .isEqualTo(Instant.parse("2026-12-09T17:05:00Z").toEpochMilli());
        assertThat(store.purgeExpiredRecords(Instant.parse("2026-12-09T17:06:30Z").toEpochMilli())).isEqualTo(2);
        assertThat(h.read(true, Instant.EPOCH, n -> true)).hasSize(1); // the hour stays 90 days
    }

    @Test
    void alertsStartOnceAreMailedAndEnd() {
        store.addDomain("example.org");
        store.addAccount(EmailAddress.parse("admin@example.org"), "x", 0, 0);
        Instant now = Instant.parse("2026-12-07T17:10:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        TrafficHistory h = new TrafficHistory(store, Duration.ofHours(48), Duration.ofDays(90));
        h.record(now.minusSeconds(120), new MetricsSampler.Sample(Map.of("received", 10.0, "rejected.spam", 60.0),
                Map.of("queue.messages", 2.0, "disk.used", 95.0, "disk.total", 100.0)));
        List<Alerts.Alert> mailed = new ArrayList<>();
        var mail = Alerts.mailToPostmaster(store, store, "", "mx.example.org", clock);
        Alerts alerts = new Alerts(store, h, Alerts.Thresholds.DEFAULTS, clock, a -> {
            mailed.add(a);
            mail.accept(a);
        });
        Alerts.State state = new Alerts.State(Map.of("mx.example.org", now.plus(Duration.ofDays(3)), "ok.example.org", now.plus(Duration.ofDays(90))),
                "the peer b is not heard");
        assertThat(alerts.check(state)).extracting(Alerts.Alert::name)
                .containsExactlyInAnyOrder("rejections", "disk", "certificate:mx.example.org", "pair");
        assertThat(mailed).hasSize(4);
        assertThat(alerts.current()).hasSize(4);
        assertThat(alerts.check(state)).hasSize(4);
        assertThat(mailed).hasSize(4); // mailed when it starts only
        // the postmaster (the domain's first account) has the four messages
        assertThat(store.findAccount(EmailAddress.parse("admin@example.org")).orElseThrow().messageCount()).isEqualTo(4);
        assertThat(alerts.check(new Alerts.State(Map.of(), null))).extracting(Alerts.Alert::name).containsExactlyInAnyOrder("rejections", "disk");
        assertThat(alerts.current()).hasSize(2);
    }
}
