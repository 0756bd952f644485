package org.twinmail.relay.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.dns.MxHost;
import org.twinmail.dns.MxLookup;
import org.twinmail.dns.MxResolver;
import org.twinmail.mail.dkim.MessageSigner;
import org.twinmail.relay.client.ClientSettings;
import org.twinmail.store.Delivery;
import org.twinmail.store.Outbound;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * Outbound delivery end to end: a real store, the queue runner, and a real remote MTA
 * (aiosmtpd on loopback) whose replies the test scripts. DNS answers come from an
 * in-process DNS server or a fake resolver; never from the internet.
 */
class SinkDeliveryTest {
    static final String HOST = "relay.test";

    @TempDir
    Path tmp;

    EmbeddedMailStore store;
    Sink sink;
    QueueRunner runner;
    Account alice;
    final List<AutoCloseable> closeLast = new ArrayList<>();

    /** Every domain's MX is 127.0.0.1 (mx.<domain>). */
    static final MxResolver LOOPBACK = domain -> {
        try {
            return new MxLookup.Hosts(List.of(new MxHost("mx." + domain, 10, List.of(InetAddress.getByName("127.0.0.1")), false)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    };

    @BeforeEach
    void open() throws IOException {
        store = EmbeddedMailStore.open(StoreOptions.defaults(tmp.resolve("data")));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), "$argon2id$x", 0, 0);
    }

    @AfterEach
    void close() throws Exception {
        if (runner != null) runner.close();
        if (sink != null) sink.close();
        for (AutoCloseable c : closeLast) c.close();
        store.close();
    }

    static RelaySettings settings(int port, RetrySchedule schedule) {
        Duration t = Duration.ofSeconds(10);
        return new RelaySettings(HOST, port, Duration.ofMillis(100), 20, 5, 100, schedule, 50,
                new ClientSettings(HOST, Duration.ofSeconds(5), t, t, t, t, t, t, t), null);
    }

    static RetrySchedule retries(Duration every, Duration lifetime, Duration warning) {
        return new RetrySchedule(List.of(every), lifetime, warning);
    }

    QueueRunner runner(int port, RetrySchedule schedule, MxResolver resolver) {
        return runner(settings(port, schedule), resolver);
    }

    QueueRunner runner(RelaySettings settings, MxResolver resolver) {
        runner = new QueueRunner(store, store, store, resolver, MessageSigner.NONE, settings, new SimpleMeterRegistry());
        runner.start();
        return runner;
    }

    static String message(String from, String to, String subject) {
        return "Received: from client by " + HOST + "\r\nFrom: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject.replace(' ', '-') + "@example.com>\r\n\r\nThe body of " + subject
                + ".\r\n.leading dot\r\n";
    }

    long queue(String sender, String recipient, String content) {
        return store.deliver(new Delivery(List.of(), MessageSpool.of(content.getBytes(StandardCharsets.UTF_8)), Instant.now(),
                new Outbound(sender, List.of(EmailAddress.parse(recipient)), false, false))).queueId();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    void awaitQueueEmpty() throws InterruptedException {
        await("the queue drains", () -> store.queueStats().messages() == 0 && runner.inFlight() == 0);
    }

    List<String> inbox(Account a) {
        List<String> out = new ArrayList<>();
        for (MessageEntry e : store.messages(store.mailbox(a.id(), "INBOX").orElseThrow().id())) {
            try (InputStream in = store.openBlob(e.blobId())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return out;
    }

    String awaitDsn() throws InterruptedException {
        await("a DSN in alice's INBOX", () -> !inbox(alice).isEmpty());
        return inbox(alice).getFirst();
    }

    @Test
    void deliversThroughMxFromTheLocalDnsServerWithDotStuffing() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        LocalDnsServer dns = LocalDnsServer.start();
        closeLast.add(dns);
        dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
        DnsMxResolver resolver = new DnsMxResolver(List.of(dns.address()), Duration.ofSeconds(2), 1, 100, Duration.ofHours(1), 10);
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), resolver);

        // As our SMTP server stores it: Return-Path first (for local delivery), which a relay must not pass on.
        queue("alice@example.com", "bob@remote.example", "Return-Path: <alice@example.com>\r\n"
                + message("alice@example.com", "bob@remote.example", "hello one"));
        List<Sink.Received> got = sink.await(1);
        assertThat(got.getFirst().envelope()).contains("\"mail_from\": \"alice@example.com\"").contains("bob@remote.example");
        assertThat(got.getFirst().content()).startsWith("Received: from client by " + HOST + "\r\n")
                .doesNotContain("Return-Path").contains("Subject: hello one").contains("\r\n.leading dot\r\n");
        awaitQueueEmpty();
        assertThat(sink.rcptLog()).containsExactly("bob@remote.example 250 2.1.5 OK");
    }

    /** A self-signed certificate, as many MX hosts have: opportunistic TLS must still encrypt. */
    Path[] selfSigned() throws Exception {
        Path key = tmp.resolve("key.pem");
        Path cert = tmp.resolve("cert.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-subj", "/CN=mx.remote.example", "-days", "2").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as("openssl made a certificate").isZero();
        return new Path[] {cert, key};
    }

    @Test
    void opportunisticStarttlsEncryptsEvenWithASelfSignedCertificate() throws Exception {
        Path[] pem = selfSigned();
        sink = Sink.start(tmp.resolve("sink"), "--tls", pem[0].toString(), pem[1].toString());
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);
        queue("alice@example.com", "bob@remote.example", message("alice@example.com", "bob@remote.example", "secret"));
        assertThat(sink.await(1).getFirst().envelope()).contains("\"tls\": true");
        awaitQueueEmpty();
    }

    static RelaySettings viaSmarthost(int port, String user, String password, boolean verify) {
        RelaySettings s = settings(1, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO));
        return new RelaySettings(s.hostname(), s.port(), s.pollInterval(), s.maxConnections(), s.maxConnectionsPerDestination(),
                s.maxMessagesPerConnection(), s.schedule(), s.maxHops(), s.client(),
                new RelaySettings.Smarthost("127.0.0.1", port, false, verify, user, password));
    }

    static final MxResolver NO_DNS = domain -> {
        throw new AssertionError("a smarthost needs no MX lookup, but " + domain + " was looked up");
    };

    @Test
    void aSmarthostGetsEverythingOverRequiredStarttlsWithAuth() throws Exception {
        Path[] pem = selfSigned();
        sink = Sink.start(tmp.resolve("sink"), "--tls", pem[0].toString(), pem[1].toString(), "--auth", "relayuser:relay pass");
        runner(viaSmarthost(sink.port, "relayuser", "relay pass", false), NO_DNS);
        queue("alice@example.com", "bob@anywhere.example", message("alice@example.com", "bob@anywhere.example", "via provider"));
        assertThat(sink.await(1).getFirst().envelope()).contains("\"tls\": true").contains("\"auth\": \"relayuser\"")
                .contains("bob@anywhere.example");
        awaitQueueEmpty();
    }

    @Test
    void aSmarthostThatRefusesTheLoginOrFailsVerificationKeepsTheMailQueued() throws Exception {
        Path[] pem = selfSigned();
        sink = Sink.start(tmp.resolve("sink"), "--tls", pem[0].toString(), pem[1].toString(), "--auth", "relayuser:right");
        runner(viaSmarthost(sink.port, "relayuser", "wrong", false), NO_DNS);
        queue("alice@example.com", "bob@anywhere.example", message("alice@example.com", "bob@anywhere.example", "refused login"));
        await("the refused login is recorded", () -> store.listQueue(10).stream()
                .anyMatch(q -> q.recipients().getFirst().attempts() >= 1));
        assertThat(store.listQueue(10).getFirst().recipients().getFirst().lastReply()).contains("authentication refused: 535");
        runner.close();

        // The same host with certificate verification on: a self-signed certificate is not accepted.
        runner(viaSmarthost(sink.port, "relayuser", "right", true), NO_DNS);
        store.retryQueued(0, Instant.now());
        await("the failed verification is recorded", () -> store.listQueue(10).stream()
                .anyMatch(q -> q.recipients().getFirst().attempts() >= 2));
        assertThat(store.listQueue(10).getFirst().recipients().getFirst().lastReply()).contains("TLS handshake");
        assertThat(sink.received()).isEmpty();
        assertThat(inbox(alice)).isEmpty();
    }

    @Test
    void aTemporaryRefusalIsRetriedAndThenDelivered() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"bob@remote.example\": [\"451 4.7.1 greylisted, come back later\", \"250 2.1.5 OK\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);

        queue("alice@example.com", "bob@remote.example", message("alice@example.com", "bob@remote.example", "greylisted"));
        sink.await(1);
        awaitQueueEmpty();
        assertThat(sink.rcptLog()).containsExactly("bob@remote.example 451 4.7.1 greylisted, come back later",
                "bob@remote.example 250 2.1.5 OK");
        assertThat(inbox(alice)).as("no DSN for a delivered message").isEmpty();
    }

    @Test
    void aPermanentRefusalBouncesWithAnRfc3464ReportToTheLocalSender() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"nobody@remote.example\": [\"550 5.1.1 no such user here\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);

        long id = queue("alice@example.com", "nobody@remote.example",
                message("alice@example.com", "nobody@remote.example", "doomed"));
        String dsn = awaitDsn();
        awaitQueueEmpty();
        assertThat(dsn).startsWith("Return-Path: <>\r\n")
                .contains("From: Mail Delivery System <MAILER-DAEMON@" + HOST + ">")
                .contains("To: <alice@example.com>")
                .contains("Auto-Submitted: auto-replied")
                .containsPattern("Content-Type: multipart/report; report-type=delivery-status;\\s+boundary=\"=_twinmail_");
        String boundary = dsn.replaceAll("(?s).*boundary=\"([^\"]+)\".*", "$1");
        String[] parts = dsn.split("\r\n--" + java.util.regex.Pattern.quote(boundary));
        assertThat(parts).as("preamble, three parts, closing").hasSize(5);
        assertThat(parts[1]).contains("Content-Type: text/plain").contains("<nobody@remote.example>: 550 5.1.1 no such user here");
        assertThat(parts[2]).contains("Content-Type: message/delivery-status")
                .contains("Reporting-MTA: dns; " + HOST + "\r\n")
                .contains("X-Twinmail-Queue-ID: " + id + "\r\n")
                .contains("Arrival-Date: ")
                .contains("Final-Recipient: rfc822; nobody@remote.example\r\n")
                .contains("Action: failed\r\n")
                .contains("Status: 5.1.1\r\n")
                .contains("Remote-MTA: dns; mx.remote.example\r\n")
                .contains("Diagnostic-Code: smtp; 550 5.1.1 no such user here\r\n");
        assertThat(parts[3]).contains("Content-Type: text/rfc822-headers")
                .contains("Subject: doomed").contains("Message-ID: <doomed@example.com>")
                .as("the body is not returned").doesNotContain("The body of doomed");
        assertThat(parts[4]).startsWith("--");
        assertThat(sink.received()).isEmpty();
    }

    @Test
    void aRemoteSiteThatStaysDownBouncesWhenTheQueueLifetimeRunsOut() throws Exception {
        int nobodyListens = Sink.freePort();
        runner(nobodyListens, retries(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ZERO), LOOPBACK);

        queue("alice@example.com", "bob@down.example", message("alice@example.com", "bob@down.example", "into the void"));
        await("a failed attempt is recorded", () -> store.listQueue(10).stream()
                .anyMatch(q -> q.recipients().getFirst().attempts() >= 1));
        assertThat(store.listQueue(10).getFirst().recipients().getFirst().lastReply()).contains("connect to 127.0.0.1:" + nobodyListens);
        String dsn = awaitDsn();
        awaitQueueEmpty();
        assertThat(dsn).contains("Final-Recipient: rfc822; bob@down.example")
                .contains("Action: failed")
                .contains("Status: 4.4.1")
                .contains("delivery time expired")
                .doesNotContain("Diagnostic-Code:"); // nobody answered, so there is no remote reply to quote
    }

    @Test
    void aDelayWarningIsSentOnceWhileRetrying() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"slow@remote.example\": [\"452 4.2.2 mailbox full\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ofSeconds(1)), LOOPBACK);

        queue("alice@example.com", "slow@remote.example", message("alice@example.com", "slow@remote.example", "patience"));
        String dsn = awaitDsn();
        assertThat(dsn).contains("Subject: Delayed Mail (still being retried)")
                .contains("Action: delayed").contains("Status: 4.2.2").contains("Will-Retry-Until: ")
                .contains("Diagnostic-Code: smtp; 452 4.2.2 mailbox full");
        await("more attempts", () -> sink.rcptLog().size() >= 4);
        assertThat(inbox(alice)).as("one warning, however many retries").hasSize(1);
        assertThat(store.queueStats().messages()).isEqualTo(1);
    }

    @Test
    void aBounceFromTheNullSenderIsNeverBounced() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"gone@remote.example\": [\"550 5.1.1 gone\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);

        queue("", "gone@remote.example", message("MAILER-DAEMON@" + HOST, "gone@remote.example", "a bounce"));
        await("the refusal", () -> sink.rcptLog().size() == 1);
        awaitQueueEmpty();
        Thread.sleep(300); // a bounce, if one were made, would be committed with the outcome; give the runner a pass anyway
        assertThat(store.queueStats().messages()).as("no bounce of the bounce was queued").isZero();
        assertThat(inbox(alice)).isEmpty();
        assertThat(sink.rcptLog()).hasSize(1);
    }

    @Test
    void aBounceToARemoteSenderIsQueuedWithTheNullSender() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"nobody@remote.example\": [\"550 5.1.1 no such user\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);

        queue("carol@elsewhere.example", "nobody@remote.example", message("carol@elsewhere.example", "nobody@remote.example", "x"));
        List<Sink.Received> got = sink.await(1);
        assertThat(got.getFirst().envelope()).contains("\"mail_from\": \"<>\"").contains("carol@elsewhere.example");
        assertThat(got.getFirst().content()).contains("report-type=delivery-status").contains("Status: 5.1.1");
        awaitQueueEmpty();
    }

    @Test
    void aLoopIsBouncedWithoutConnecting() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);
        String looping = "Received: from a by b\r\n".repeat(50) + message("alice@example.com", "bob@remote.example", "loop");
        queue("alice@example.com", "bob@remote.example", looping);
        assertThat(awaitDsn()).contains("Status: 5.4.6").contains("loop");
        assertThat(sink.received()).isEmpty();
    }

    static MxResolver mx(MxHost... hosts) {
        return domain -> new MxLookup.Hosts(List.of(hosts));
    }

    static MxHost host(String name, int preference) throws IOException {
        return new MxHost(name, preference, List.of(InetAddress.getByName("127.0.0.1")), false);
    }

    @Test
    void anMxListThatNamesThisServerUsesOnlyBetterHostsOrBouncesAsALoop() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        // RFC 5321 5.1: we are the second-best MX of remote.example, so only the best one is tried.
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO),
                mx(host("mx.remote.example", 10), host(HOST, 20), host("worse.remote.example", 30)));
        queue("alice@example.com", "bob@remote.example", message("alice@example.com", "bob@remote.example", "not a loop"));
        sink.await(1);
        awaitQueueEmpty();
        runner.close();

        // We are the best MX (by name), or one of our own listeners is (by address and port): a loop.
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), mx(host(HOST.toUpperCase() + ".", 10)));
        queue("alice@example.com", "bob@loop.example", message("alice@example.com", "bob@loop.example", "loop by name"));
        assertThat(awaitDsn()).contains("Status: 5.4.6").contains("loops back to myself");
        runner.close();
        RelaySettings s = settings(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO));
        runner(new RelaySettings(s.hostname(), s.port(), s.pollInterval(), s.maxConnections(), s.maxConnectionsPerDestination(),
                s.maxMessagesPerConnection(), s.schedule(), s.maxHops(), s.client(), null,
                List.of(org.twinmail.core.config.Listen.parse("0.0.0.0:" + sink.port))), mx(host("mx.loop.example", 10)));
        queue("alice@example.com", "carol@loop.example", message("alice@example.com", "carol@loop.example", "loop by address"));
        await("a second loop DSN", () -> inbox(alice).size() == 2);
        assertThat(inbox(alice).get(1)).contains("Status: 5.4.6").contains("carol@loop.example");
        assertThat(sink.received()).hasSize(1);
    }

    @Test
    void stoppingTheRunnerInterruptsAStalledDeliveryAndLeavesTheClaimForTheNextStart() throws Exception {
        java.util.concurrent.CountDownLatch hungUp = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch stalledAtEhlo = new java.util.concurrent.CountDownLatch(1);
        try (java.net.ServerSocket stalled = new java.net.ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket s = stalled.accept()) {
                    s.getOutputStream().write("220 slow\r\n".getBytes(StandardCharsets.US_ASCII));
                    java.io.InputStream in = s.getInputStream();
                    in.read(new byte[1024]); // EHLO, never answered
                    stalledAtEhlo.countDown();
                    while (in.read() >= 0) { } // until the client hangs up
                    hungUp.countDown();
                } catch (Exception e) {
                    hungUp.countDown(); // a reset is a hang-up too
                }
            });
            // Timeouts far longer than the test waits: only the interrupt can end the delivery in time.
            Duration hour = Duration.ofHours(1);
            RelaySettings s = settings(stalled.getLocalPort(), retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO));
            runner(new RelaySettings(s.hostname(), s.port(), s.pollInterval(), s.maxConnections(), s.maxConnectionsPerDestination(),
                    s.maxMessagesPerConnection(), s.schedule(), s.maxHops(),
                    new ClientSettings(HOST, Duration.ofSeconds(5), hour, hour, hour, hour, hour, hour, hour), null), LOOPBACK);
            queue("alice@example.com", "bob@remote.example", message("alice@example.com", "bob@remote.example", "stalled"));
            await("the delivery is under way", () -> store.listQueue(10).getFirst().recipients().getFirst().active());
            // claimed is not yet connected: stop the runner only once the delivery waits on the server
            assertThat(stalledAtEhlo.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("the delivery reached EHLO").isTrue();
            runner.close();
            assertThat(hungUp.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("the stopped runner closed its connection").isTrue();
            assertThat(store.listQueue(10).getFirst().recipients().getFirst()).satisfies(r -> {
                assertThat(r.active()).as("still claimed, released by the next start").isTrue();
                assertThat(r.attempts()).as("our shutdown is not a failed attempt").isZero();
            });
            assertThat(store.releaseQueueClaims()).isEqualTo(1);
        }
    }

    @Test
    void aSlowDestinationDoesNotHoldUpTheOthers() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        // slow.example's MX accepts connections and then says nothing; it shares the port, on 127.0.0.2.
        try (java.net.ServerSocket slow = new java.net.ServerSocket(sink.port, 50, InetAddress.getByName("127.0.0.2"))) {
            List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        java.net.Socket c = slow.accept();
                        held.add(c);
                        c.getOutputStream().write("220 slow\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            MxResolver split = domain -> {
                try {
                    return new MxLookup.Hosts(List.of(new MxHost("mx." + domain, 10,
                            List.of(InetAddress.getByName(domain.equals("slow.example") ? "127.0.0.2" : "127.0.0.1")), false)));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            };
            Duration hour = Duration.ofHours(1);
            RetrySchedule r = retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO);
            // One connection per destination, two messages per connection: two waiting jobs make a destination busy.
            runner(new RelaySettings(HOST, sink.port, Duration.ofMillis(100), 20, 1, 2, r, 50,
                    new ClientSettings(HOST, Duration.ofSeconds(5), hour, hour, hour, hour, hour, hour, hour), null), split);
            for (int i = 0; i < 5; i++) queue("alice@example.com", "s" + i + "@slow.example", message("alice@example.com", "s@slow.example", "slow " + i));
            await("the slow destination has its work", () -> store.listQueue(100).stream()
                    .allMatch(q -> q.recipients().getFirst().active()));
            for (int i = 5; i < 8; i++) queue("alice@example.com", "s" + i + "@slow.example", message("alice@example.com", "s@slow.example", "slow " + i));
            queue("alice@example.com", "bob@fast.example", message("alice@example.com", "bob@fast.example", "fast"));
            assertThat(sink.await(1).getFirst().content()).contains("Subject: fast");
            assertThat(store.listQueue(100)).filteredOn(q -> !q.recipients().getFirst().active())
                    .as("the later slow.example recipients wait in the store, not in memory")
                    .extracting(q -> q.recipients().getFirst().address())
                    .containsExactlyInAnyOrder("s5@slow.example", "s6@slow.example", "s7@slow.example");
            runner.close();
            synchronized (held) {
                for (java.net.Socket c : held) c.close();
            }
        }
    }

    @Test
    void aDomainWithANullMxBouncesAtOnce() throws Exception {
        LocalDnsServer dns = LocalDnsServer.start();
        closeLast.add(dns);
        dns.nullMx("nomail.example");
        runner(Sink.freePort(), retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO),
                new DnsMxResolver(List.of(dns.address()), Duration.ofSeconds(2), 1, 100, Duration.ofHours(1), 10));
        queue("alice@example.com", "x@nomail.example", message("alice@example.com", "x@nomail.example", "null mx"));
        assertThat(awaitDsn()).contains("Status: 5.1.10").contains("null MX");
    }

    @Test
    void aMessageThatNeedsSmtputf8BouncesAtAServerWithoutIt() throws Exception {
        sink = Sink.start(tmp.resolve("sink"), "--no-smtputf8");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);
        queue("alice@example.com", "jörg@remote.example", message("alice@example.com", "jörg@remote.example", "umlaut"));
        assertThat(awaitDsn()).contains("Status: 5.6.7").contains("utf-8; jörg@remote.example");
        assertThat(sink.received()).isEmpty();
    }

    @Test
    void claimsLeftByACrashAreDeliveredAfterTheStoreIsReopened() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        for (int i = 0; i < 20; i++) {
            queue("alice@example.com", "r" + i + "@remote.example", message("alice@example.com", "r" + i + "@remote.example", "crash " + i));
        }
        // A runner that died mid-delivery: half the recipients are claimed and nothing was recorded.
        assertThat(store.claimQueued(Instant.now(), 10)).hasSize(10);
        store.close();
        store = EmbeddedMailStore.open(StoreOptions.defaults(tmp.resolve("data")));
        alice = store.findAccount(alice.id()).orElseThrow();
        assertThat(store.queueStats().recipients()).isEqualTo(20);
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);
        sink.await(20);
        awaitQueueEmpty();
    }

    @Test
    void severalRecipientsAtOneDomainShareOneTransaction() throws Exception {
        sink = Sink.start(tmp.resolve("sink"));
        sink.rules("{\"rcpt\": {\"b@remote.example\": [\"550 5.1.1 unknown\"]}}");
        runner(sink.port, retries(Duration.ofSeconds(1), Duration.ofDays(5), Duration.ZERO), LOOPBACK);
        store.deliver(new Delivery(List.of(), MessageSpool.of(message("alice@example.com", "a@remote.example", "three")
                .getBytes(StandardCharsets.UTF_8)), Instant.now(), new Outbound("alice@example.com",
                List.of(EmailAddress.parse("a@remote.example"), EmailAddress.parse("b@remote.example"),
                        EmailAddress.parse("c@remote.example")), false, false)));
        List<Sink.Received> got = sink.await(1);
        assertThat(got).hasSize(1);
        assertThat(got.getFirst().envelope()).contains("a@remote.example").contains("c@remote.example")
                .doesNotContain("b@remote.example");
        assertThat(awaitDsn()).contains("Final-Recipient: rfc822; b@remote.example").doesNotContain("rfc822; a@remote.example");
        awaitQueueEmpty();
    }
}
