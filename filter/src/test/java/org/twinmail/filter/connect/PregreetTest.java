package org.twinmail.filter.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.filter.Client;
import org.twinmail.filter.Verdict;

/** The early-talker test's decisions; the session's wait on a real socket is tested in smtp's SmtpDefencesTest. */
class PregreetTest {
    private final List<Duration> waits = new ArrayList<>();

    private Client client(String ip, boolean talks) throws Exception {
        return new Client(InetAddress.getByName(ip), Optional::empty, "smtp", false, null, false, Optional.empty(), wait -> {
            waits.add(wait);
            return talks;
        });
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefusedAndASilentOneGreeted() throws Exception {
        TwinmailConfig.Pregreet c = new TwinmailConfig.Pregreet();
        c.enabled = true;
        Pregreet p = Pregreet.fromConfig(c, List.of());
        assertThat(p.connect(client("192.0.2.1", true))).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.5.1");
            assertThat(r.reason()).isEqualTo("pregreet");
        });
        assertThat(p.connect(client("192.0.2.2", false))).isEqualTo(Verdict.proceed());
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void allowListedAndRelayClientsAreGreetedAtOnce() throws Exception {
        TwinmailConfig.Pregreet c = new TwinmailConfig.Pregreet();
        c.enabled = true;
        Pregreet p = Pregreet.fromConfig(c, List.of("10.1.0.0/16"));
        assertThat(p.connect(client("127.0.0.1", true))).isEqualTo(Verdict.proceed());
        assertThat(p.connect(client("::1", true))).isEqualTo(Verdict.proceed());
        assertThat(p.connect(client("10.1.2.3", true))).isEqualTo(Verdict.proceed());
        assertThat(waits).isEmpty();
    }

    @Test
    void theWaitIsBounded() {
        assertThatThrownBy(() -> new Pregreet(Duration.ZERO, List.of())).hasMessageContaining("filter.pregreet.wait");
        assertThatThrownBy(() -> new Pregreet(Duration.ofSeconds(11), List.of())).hasMessageContaining("filter.pregreet.wait");
        assertThat(new TwinmailConfig.Pregreet().enabled).as("off by default").isFalse();
    }
}
