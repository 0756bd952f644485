package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.store.Quarantine;

/**
 * The built-in content score on the MX, over SMTP: a phishing mail written as real ones are
 * goes to Junk with X-Spam fields, with its score and rules in the session's log line and the
 * verdicts counted by reason; ham is delivered untouched; lower thresholds quarantine or refuse.
 */
class ContentScoreEndToEndTest {
    SmtpFixture fixture;
    final ListAppender<ILoggingEvent> sessions = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger("twinmail.session");

    static final String PHISHING = """
            From: "PayPal service@paypal.com" <noreply@secure-acct-verify.example.net>
            To: victim@test.example
            Subject: URGENT: YOUR ACCOUNT HAS BEEN SUSPENDED
            Date: Fri, 04 Dec 2026 03:12:44 +0000
            MIME-Version: 1.0
            Content-Type: text/html; charset=iso-8859-1

            <html><body><p>Verify your identity within 24 hours or your account will be closed.</p>
            <p><a href="http://198.51.100.23/paypal/login.php">https://www.paypal.com/signin</a></p>
            </body></html>
            """.replace("\n", "\r\n");

    static final String HAM = """
            From: Sam <sam@remote.example>
            To: friend@test.example
            Subject: Lunch on Thursday
            Date: Mon, 07 Dec 2026 12:00:00 +0000
            Message-ID: <lunch-1@remote.example>

            Are we still meeting for lunch on Thursday at noon? The usual place.
            """.replace("\n", "\r\n");

    @BeforeEach
    void start(@TempDir Path dir) {
        fixture = new SmtpFixture(dir);
        sessions.start();
        logger.addAppender(sessions);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(sessions);
        fixture.close();
    }

    static SmtpClient.Reply send(InetSocketAddress server, Account to, String content) throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<noreply@secure-acct-verify.example.net>", 250);
            c.expect("RCPT TO:<" + to.address() + ">", 250);
            return SmtpConversationTest.data(c, content);
        }
    }

    String sessionLine(String queueId) throws InterruptedException {
        SmtpFixture.await("session log line", () -> sessions.list.stream().anyMatch(e -> e.getFormattedMessage().contains(queueId)));
        return sessions.list.stream().map(ILoggingEvent::getFormattedMessage).filter(l -> l.contains(queueId)).findFirst().orElseThrow();
    }

    double verdicts(String reason) {
        return fixture.registry.find("twinmail.filter.verdicts").tags("check", "content", "reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    List<MessageEntry> junk(Account a) {
        long id = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow().id();
        return fixture.store.messages(id);
    }

    @Test
    void phishingGoesToJunkWithItsScoreAndRulesInTheLogLineAndHamIsUntouched() throws Exception {
        InetSocketAddress mx = fixture.server();
        Account a = fixture.account();
        SmtpClient.Reply r = send(mx, a, PHISHING);
        assertThat(r.code()).isEqualTo(250);
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).hasSize(1);
        assertThat(junk(a).getFirst().flags()).contains("$Junk");
        String stored = fixture.content(junk(a).getFirst());
        assertThat(stored).startsWith("X-Spam-Flag: YES\r\nX-Spam-Score: 10.7\r\nX-Spam-Status: Yes, score=10.7 tagged_above=4.0 required=6.0");
        assertThat(stored).contains("URL_TEXT_MISMATCH");
        String queueId = r.text().substring(r.text().lastIndexOf(' ') + 1);
        assertThat(sessionLine(queueId)).contains("data/content/content_tagged[10.7:MISSING_MESSAGE_ID+FROM_NAME_OTHER_ADDRESS"
                + "+SUBJECT_ALL_CAPS+HTML_ONLY+URL_BARE_IP+URL_TEXT_MISMATCH],data/content/content_junk");
        assertThat(verdicts("content_junk")).isEqualTo(1);

        Account b = fixture.account();
        SmtpClient.Reply ham = send(mx, b, HAM);
        assertThat(ham.code()).isEqualTo(250);
        assertThat(fixture.only(b)).doesNotContain("X-Spam");
        String hamId = ham.text().substring(ham.text().lastIndexOf(' ') + 1);
        assertThat(sessionLine(hamId)).contains("data/content/content_clean[0.0]");
        assertThat(verdicts("content_clean")).isEqualTo(1);
    }

    @Test
    void lowerThresholdsQuarantineAndThenRefuse() throws Exception {
        InetSocketAddress quarantining = fixture.serverWith(c -> c.filter.content.quarantineScore = 8);
        InetSocketAddress refusing = fixture.serverWith(c -> {
            c.filter.content.quarantineScore = 8;
            c.filter.content.rejectScore = 9;
        });
        Account a = fixture.account();
        SmtpClient.Reply held = send(quarantining, a, PHISHING);
        assertThat(held.code()).isEqualTo(250);
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).isEmpty();
        String id = held.text().substring(held.text().lastIndexOf(' ') + 1);
        QuarantineItem item = new Quarantine(fixture.store, fixture.store).find(id).orElseThrow();
        assertThat(item.reason()).isEqualTo("content_quarantine");
        assertThat(item.check()).isEqualTo("content");

        double before = fixture.rejected("content_reject");
        SmtpClient.Reply refused = send(refusing, a, PHISHING);
        assertThat(refused.code()).isEqualTo(554);
        assertThat(refused.status()).isEqualTo("5.7.1");
        assertThat(fixture.rejected("content_reject")).isEqualTo(before + 1);
    }
}
