package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.AccountCount;
import org.twinmail.admin.AdminOperations.TrafficTop;
import org.twinmail.core.config.TwinmailConfig;

/**
 * Mail submitted over SMTP by two accounts shows in the day's top senders and receivers the admin
 * API serves, and the counts are in the store after a restart (written at shutdown at the latest).
 */
class AccountTrafficEndToEndTest {
    @TempDir
    Path data;

    @Test
    void theAccountThatSendsMostIsFirst() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.console.trafficFlushInterval = Duration.ofHours(1); // only the shutdown writes: the restart shows it was written
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        try (TwinmailServer server = TwinmailServer.start(config)) {
            RunFile run = RunFile.read(server.runDir()).orElseThrow();
            try (AdminClient admin = new AdminClient(run.uri(), run.token())) {
                admin.addDomain("example.org");
                admin.addDomain("other.org");
                for (String u : new String[] {"alice@example.org", "bob@example.org", "carol@other.org"}) {
                    admin.addUser(u, (u + " secret").toCharArray(), 0, 0);
                }
                Session s = session(server);
                for (int i = 0; i < 3; i++) submit(s, "alice@example.org", "carol@other.org", "x".repeat(1000));
                submit(s, "bob@example.org", "alice@example.org", "short");

                TrafficTop senders = admin.trafficTop("example.org", null, "senders", 10);
                assertThat(senders.day()).isEqualTo(today);
                assertThat(senders.accounts()).extracting(AccountCount::address, AccountCount::messages)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("alice@example.org", 3L),
                                org.assertj.core.groups.Tuple.tuple("bob@example.org", 1L));
                assertThat(senders.accounts().get(0).bytes()).isGreaterThan(3 * 1000L).isGreaterThan(3 * senders.accounts().get(1).bytes());
                assertThat(admin.trafficTop("example.org", today, "senders", 1).accounts()).extracting(AccountCount::address)
                        .containsExactly("alice@example.org");
                assertThat(admin.trafficTop("other.org", null, "receivers", 10).accounts())
                        .containsExactly(new AccountCount("carol@other.org", 3, senders.accounts().get(0).bytes()));
                assertThat(admin.trafficTop(null, null, "receivers", 10).accounts()).extracting(AccountCount::address, AccountCount::messages)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("carol@other.org", 3L),
                                org.assertj.core.groups.Tuple.tuple("alice@example.org", 1L));
                assertThat(admin.trafficTop("other.org", null, "senders", 10).accounts()).isEmpty();
                assertThat(admin.trafficTop("example.org", LocalDate.now(ZoneOffset.UTC).minusDays(1).toString(), "senders", 10).accounts()).isEmpty();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.trafficTop("example.org", null, "spammers", 10))
                        .isInstanceOf(AdminException.class).hasMessageContaining("kind must be senders or receivers");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.trafficTop("nowhere.example", null, "senders", 10))
                        .isInstanceOf(AdminException.class).hasMessageContaining("does not exist");
            }
        }
        try (TwinmailServer server = TwinmailServer.start(config)) {
            RunFile run = RunFile.read(server.runDir()).orElseThrow();
            try (AdminClient admin = new AdminClient(run.uri(), run.token())) {
                assertThat(admin.trafficTop("example.org", today, "senders", 10).accounts()).extracting(AccountCount::address, AccountCount::messages)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("alice@example.org", 3L),
                                org.assertj.core.groups.Tuple.tuple("bob@example.org", 1L));
            }
        }
    }

    static Session session(TwinmailServer server) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.localhost", "client.test.example");
        p.put("mail.smtp.timeout", "20000");
        return Session.getInstance(p);
    }

    static void submit(Session s, String user, String to, String body) throws Exception {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(user));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject("traffic");
        m.setText(body);
        Transport.send(m, user, user + " secret");
    }
}
