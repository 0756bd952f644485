package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.bench.model.Workload;
import org.twinmail.bench.run.Prepopulate;
import org.twinmail.bench.run.Provision;
import org.twinmail.bench.run.SpecMailRun;
import org.twinmail.bench.run.Target;
import org.twinmail.bench.stats.Qos;

/**
 * The benchmark harness's smoke run, so it never rots: a node on loopback, 300 users
 * provisioned through the admin REST API, the mailboxes filled to SPECmail2001's
 * steady state over SMTP, then 30 s of the open-loop workload at a low rate. Asserts
 * that the harness ran every kind of session, that errors stayed under 1% and that
 * every QoS category was evaluated (pass or fail is a measurement, not a test: this
 * machine is shared with the rest of the suite).
 */
class SpecMailSmokeTest {
    private static final int USERS = 300;
    private static final int PROBES = 2;

    @TempDir
    Path data;

    TwinmailServer server;

    @BeforeEach
    void start() throws Exception {
        server = TwinmailServer.start(TestConfigs.loopback(data));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @Timeout(240)
    void specMailWorkloadRunsAndItsQosCategoriesEvaluate() throws Exception {
        InetSocketAddress smtp = server.smtpAddresses().getFirst(), pop3 = server.pop3Addresses().getFirst();
        Target target = new Target(smtp, pop3, null, "bench.test", "user%d", "password-%d", Duration.ofSeconds(30));
        int created = Provision.twinmail(data.resolve("run").resolve("admin.json"), target.domain(),
                Provision.accounts(target, USERS, PROBES), 4);
        assertThat(created).isEqualTo(USERS + PROBES);
        Prepopulate.Result pre = Prepopulate.run(target, USERS, 11, 50, 2);
        assertThat(pre.deliveries()).isBetween((long) (USERS * 3.0), (long) (USERS * 3.9));

        // 60 msgs/min for 300 users is 40x the model's per-user load: enough sessions in 30 s to
        // evaluate every category (about 30 submissions, 27 remote arrivals, 60 checks + retries).
        // No relaying yet, so every recipient is local (remote-out 0).
        Workload w = new Workload(USERS, 60, 0.0, Workload.REMOTE_SHARE, Workload.RETRY_POOL_SHARE);
        SpecMailRun.Options o = new SpecMailRun.Options(w, Duration.ofSeconds(30), 5, 500, 0.3, PROBES,
                Duration.ofMillis(500), Duration.ofSeconds(60), "remote.bench.invalid", 0, List.of(ProcessHandle.current().pid()));
        SpecMailRun.Result r = new SpecMailRun(target, o).run();
        System.out.println(r.report());

        var s = r.stats();
        assertThat(s.counter("smtp.local-sent")).as(r.report()).isGreaterThan(5);
        assertThat(s.counter("smtp.remote-in")).as(r.report()).isGreaterThan(5);
        assertThat(s.counter("pop3.check")).as(r.report()).isGreaterThan(10);
        assertThat(s.counter("pop3.retrieved")).as("pre-populated mail is retrieved: %s", r.report()).isGreaterThan(0);
        assertThat((double) s.errorCount() / r.transactions()).as(r.report()).isLessThan(0.01);

        Map<String, Qos.Category> qos = r.qos().stream().collect(Collectors.toMap(Qos.Category::name, Function.identity()));
        for (String c : List.of("command SMTP CONNECT", "command SMTP EHLO", "command SMTP MAIL", "command SMTP RCPT",
                "command SMTP DATA", "command POP3 PASS", "command POP3 STAT", "command POP3 RETR", "command POP3 DELE",
                "command POP3 QUIT", "local delivery", "errors")) {
            assertThat(qos).as(r.report()).containsKey(c);
            assertThat(qos.get(c).verdict()).as(c + "\n" + r.report()).isIn(Qos.Verdict.PASS, Qos.Verdict.FAIL);
        }
        assertThat(qos.get("errors").verdict()).isEqualTo(Qos.Verdict.PASS);
        assertThat(qos.get("remote delivery").verdict()).isEqualTo(Qos.Verdict.NOT_EXERCISED);
        assertThat(r.report()).contains("remote-bound: NOT exercised").contains("achieved:").contains("server: CPU");
        // every probe sent was found in its mailbox
        assertThat(s.probeSummary().count()).as(r.report()).isGreaterThan(0);
        assertThat(s.probesOutstanding()).as(r.report()).isZero();
    }
}
