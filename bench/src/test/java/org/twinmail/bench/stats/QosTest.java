package org.twinmail.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class QosTest {
    private static Map<String, Qos.Category> byName(List<Qos.Category> c) {
        return c.stream().collect(Collectors.toMap(Qos.Category::name, Function.identity()));
    }

    @Test
    void eachCommandTypeNeedsNinetyFivePercentWithinFiveSeconds() {
        RunStats s = new RunStats();
        for (int i = 0; i < 95; i++) s.command("SMTP MAIL", 4_999_000, 0);
        for (int i = 0; i < 5; i++) s.command("SMTP MAIL", 9_000_000, 0);
        for (int i = 0; i < 94; i++) s.command("POP3 PASS", 1_000, 0);
        for (int i = 0; i < 6; i++) s.command("POP3 PASS", 5_000_001, 0);
        Map<String, Qos.Category> q = byName(Qos.evaluate(s, 200));
        assertThat(q.get("command SMTP MAIL").verdict()).isEqualTo(Qos.Verdict.PASS);
        assertThat(q.get("command POP3 PASS").verdict()).isEqualTo(Qos.Verdict.FAIL);
        assertThat(q.get("command POP3 PASS").measured()).startsWith("94.0%");
    }

    @Test
    void dataAndRetrGetOneSecondMorePerThreeThousandBytes() {
        RunStats s = new RunStats();
        // 1 MB at 3,000 B/s: 5 s + 349.5 s allowed
        s.command("POP3 RETR", 300_000_000, 1_048_576);
        s.command("SMTP DATA", 5_900_000, 3_000);
        s.command("SMTP DATA", 6_100_000, 3_000);
        Map<String, Latencies.Summary> m = s.commandSummaries();
        assertThat(m.get("POP3 RETR").withinLimit()).isEqualTo(1);
        assertThat(m.get("SMTP DATA").withinLimit()).isEqualTo(1);
    }

    @Test
    void localDeliveryIsJudgedOnProbesWithinSixtySeconds() {
        RunStats s = new RunStats();
        for (int i = 0; i < 20; i++) s.probeSent("p" + i, 0);
        for (int i = 0; i < 19; i++) s.probeFound("p" + i, 59_000_000_000L);
        s.probeFound("p19", 61_000_000_000L);
        s.probeFound("unknown", 1); // not sent by this run: ignored
        assertThat(byName(Qos.evaluate(s, 1)).get("local delivery").verdict()).isEqualTo(Qos.Verdict.PASS);

        RunStats late = new RunStats();
        for (int i = 0; i < 10; i++) late.probeSent("p" + i, 0);
        for (int i = 0; i < 9; i++) late.probeFound("p" + i, 1_000_000_000L);
        late.probeFound("p9", 61_000_000_000L);
        assertThat(byName(Qos.evaluate(late, 1)).get("local delivery").verdict()).isEqualTo(Qos.Verdict.FAIL);
    }

    @Test
    void remoteDeliveryCountsMessagesThatReachedTheSinkAndIsNotExercisedWithoutAny() {
        RunStats s = new RunStats();
        assertThat(byName(Qos.evaluate(s, 0)).get("remote delivery").verdict()).isEqualTo(Qos.Verdict.NOT_EXERCISED);
        for (int i = 0; i < 100; i++) s.remoteSent("m" + i);
        for (int i = 0; i < 94; i++) s.remoteArrived("m" + i);
        s.remoteArrived("stray"); // arrived but never sent by us: does not count
        assertThat(byName(Qos.evaluate(s, 100)).get("remote delivery").verdict()).isEqualTo(Qos.Verdict.FAIL);
        s.remoteArrived("m94");
        assertThat(byName(Qos.evaluate(s, 100)).get("remote delivery").verdict()).isEqualTo(Qos.Verdict.PASS);
    }

    @Test
    void errorsMustStayUnderOnePercentAndAnyFailedCategoryFailsTheRun() {
        RunStats s = new RunStats();
        s.command("SMTP DATA", 1000, 100);
        for (int i = 0; i < 9; i++) s.error("SMTP RCPT 550");
        List<Qos.Category> ok = Qos.evaluate(s, 1000);
        assertThat(byName(ok).get("errors").verdict()).isEqualTo(Qos.Verdict.PASS);
        assertThat(Qos.passed(ok)).isTrue();
        s.error("POP3 PASS -ERR");
        List<Qos.Category> bad = Qos.evaluate(s, 1000);
        assertThat(byName(bad).get("errors").verdict()).isEqualTo(Qos.Verdict.FAIL);
        assertThat(Qos.passed(bad)).isFalse();
        // nothing exercised is not a pass
        assertThat(Qos.passed(Qos.evaluate(new RunStats(), 0))).isFalse();
    }

    @Test
    void percentilesAreNearestRank() {
        Latencies l = new Latencies();
        for (int i = 100; i >= 1; i--) l.record(i, 1000);
        Latencies.Summary s = l.summary();
        assertThat(s.p50()).isEqualTo(50);
        assertThat(s.p95()).isEqualTo(95);
        assertThat(s.p99()).isEqualTo(99);
        assertThat(s.max()).isEqualTo(100);
    }
}
