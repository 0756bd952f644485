package org.twinmail.relay.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.mail.dkim.MessageSigner;
import org.twinmail.relay.client.ClientSettings;
import org.twinmail.store.Delivery;
import org.twinmail.store.Outbound;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * The outbound rate (docs/relay.md, "Measured"): queue N messages of 5 KB for one remote
 * domain, start the runner with 20 connections, and time the drain into an aiosmtpd sink on
 * loopback. Not part of the test suite; run it with
 * {@code bin/mvn -o -pl relay test -Dtest=OutboundRateBench -Drelay.bench.messages=2000}.
 */
@EnabledIfSystemProperty(named = "relay.bench.messages", matches = "\\d+")
class OutboundRateBench {
    @TempDir
    Path tmp;

    @Test
    void drain() throws Exception {
        int n = Integer.getInteger("relay.bench.messages");
        int connections = Integer.getInteger("relay.bench.connections", 20);
        try (EmbeddedMailStore store = EmbeddedMailStore.open(StoreOptions.defaults(tmp.resolve("data")));
             Sink sink = Sink.start(tmp.resolve("sink"))) {
            String body = ("x".repeat(76) + "\r\n").repeat(64); // 5 KB with the headers
            for (int i = 0; i < n; i++) {
                String msg = "From: <sender@example.com>\r\nTo: <r" + i + "@remote.example>\r\nSubject: bench " + i
                        + "\r\nMessage-ID: <bench-" + i + "@example.com>\r\n\r\n" + body;
                store.deliver(new Delivery(List.of(), MessageSpool.of(msg.getBytes(StandardCharsets.US_ASCII)), Instant.now(),
                        new Outbound("sender@example.com", List.of(EmailAddress.parse("r" + i + "@remote.example")), false, false)));
            }
            Duration t = Duration.ofSeconds(30);
            RelaySettings settings = new RelaySettings("bench.test", sink.port, Duration.ofMillis(200), connections, connections,
                    100, new RetrySchedule(List.of(Duration.ofMinutes(5)), Duration.ofDays(5), Duration.ZERO), 50,
                    new ClientSettings("bench.test", t, t, t, t, t, t, t, t), null);
            long start = System.nanoTime();
            try (QueueRunner runner = new QueueRunner(store, store, store, SinkDeliveryTest.LOOPBACK, MessageSigner.NONE, settings,
                    new SimpleMeterRegistry())) {
                runner.start();
                while (store.queueStats().messages() > 0) Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(sink.received()).hasSize(n);
            System.out.printf("relay bench: %d messages of ~5 KB over %d connections in %.2f s = %.0f messages/s%n",
                    n, connections, seconds, n / seconds);
        }
    }
}
