package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;

/**
 * The MX with a real spam scanner started once for the class on a unix socket (the subclasses
 * start spamd or rspamd): GTUBE refused with 554 5.7.1, or filed into Junk with X-Spam-Flag: YES
 * when the reject threshold is above its score; ham delivered to INBOX with X-Spam-Status; the
 * scanner stopped: delivered and marked (fail-open, the default) or 451 4.7.1 (fail-closed),
 * counted either way. One set of assertions for both scanners: they are two clients of one check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SpamScannerEndToEndTest {
    SmtpFixture fixture;
    ScanDaemons.Daemon daemon;
    /** Tags everything, Junk from 5, refuses from 15 (the defaults but for tagging). */
    InetSocketAddress standard;
    /** Refuses only above GTUBE's 1000: GTUBE goes to Junk. */
    InetSocketAddress lenient;
    InetSocketAddress failClosed;

    /** The check's name, which is also its settings' key under {@code filter}. */
    abstract String check();

    abstract ScanDaemons.Daemon startDaemon(Path dir) throws Exception;

    /** {@code filter.spamd} or {@code filter.rspamd} of {@code c}. */
    abstract TwinmailConfig.SpamScanner settings(TwinmailConfig c);

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        daemon = startDaemon(Files.createDirectories(dir.resolve(check())));
        fixture = new SmtpFixture(Files.createDirectories(dir.resolve("data")));
        standard = fixture.serverWith(c -> {
            settings(c).address = daemon.address();
            settings(c).tagScore = -100;
        });
        lenient = fixture.serverWith(c -> {
            settings(c).address = daemon.address();
            settings(c).rejectScore = 5000;
        });
        failClosed = fixture.serverWith(c -> {
            settings(c).address = daemon.address();
            settings(c).onFailure = TwinmailConfig.OnFailure.TEMPFAIL;
        });
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) fixture.close();
        if (daemon != null) daemon.close();
    }

    static SmtpClient.Reply send(InetSocketAddress server, Account to, String content) throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<friend@remote.example>", 250);
            c.expect("RCPT TO:<" + to.address() + ">", 250);
            return SmtpConversationTest.data(c, content);
        }
    }

    static String mail(String subject, String body) {
        return "From: Friend <friend@remote.example>\r\nTo: <someone@test.example>\r\nSubject: " + subject + "\r\n"
                + "Date: Mon, 7 Dec 2026 12:00:00 +0000\r\nMessage-ID: <" + System.nanoTime() + "@remote.example>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
    }

    static String gtube() {
        return mail("test", "This is the GTUBE, the Generic Test for Unsolicited Bulk Email.\r\n\r\n" + ScanDaemons.gtube() + "\r\n");
    }

    static String ham() {
        return mail("Lunch on Thursday", "Hi,\r\n\r\nare we still meeting for lunch on Thursday at noon? The usual place.\r\n\r\nCheers,\r\nSam\r\n");
    }

    List<MessageEntry> junk(Account a) {
        Mailbox box = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow();
        return fixture.store.messages(box.id());
    }

    double verdicts(String reason) {
        // one counter per verdict kind (a failure is add_headers when failing open, tempfail when closed)
        return fixture.registry.find("twinmail.filter.verdicts").tags("check", check(), "reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    @Order(1)
    void gtubeIsRefusedWith554() throws Exception {
        Account a = fixture.account();
        double before = fixture.rejected("spam");
        SmtpClient.Reply r = send(standard, a, gtube());
        assertThat(r.code()).isEqualTo(554);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).isEmpty();
        assertThat(fixture.rejected("spam")).isEqualTo(before + 1);
    }

    @Test
    @Order(2)
    void hamIsDeliveredToInboxWithItsScore() throws Exception {
        Account a = fixture.account();
        assertThat(send(standard, a, ham()).code()).isEqualTo(250);
        String stored = fixture.only(a);
        assertThat(stored).startsWith("X-Spam-Flag: NO\r\nX-Spam-Score: ").contains("\r\nX-Spam-Status: No, score=");
        assertThat(junk(a)).isEmpty();
    }

    @Test
    @Order(3)
    void gtubeBelowTheRejectThresholdIsFiledIntoJunkAndFlagged() throws Exception {
        Account a = fixture.account();
        double before = verdicts("spam_junk");
        assertThat(send(lenient, a, gtube()).code()).isEqualTo(250);
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).singleElement().satisfies(e -> {
            assertThat(e.flags()).contains("$Junk");
            assertThat(fixture.content(e)).startsWith("X-Spam-Flag: YES\r\n").contains("X-Spam-Status: Yes, score=", "GTUBE");
        });
        assertThat(verdicts("spam_junk")).isEqualTo(before + 1);
    }

    @Test
    @Order(10)
    void aStoppedScannerFailsOpenByDefaultAndClosedWhenConfigured() throws Exception {
        daemon.close();
        Account a = fixture.account();
        double before = verdicts("spam_scan_failed");
        assertThat(send(lenient, a, gtube()).code()).isEqualTo(250);
        assertThat(fixture.only(a)).startsWith("X-Spam-Status: Unknown, scanner unavailable\r\n");

        Account b = fixture.account();
        SmtpClient.Reply r = send(failClosed, b, ham());
        assertThat(r.code()).isEqualTo(451);
        assertThat(r.status()).isEqualTo("4.7.1");
        assertThat(fixture.inbox(b)).isEmpty();
        assertThat(verdicts("spam_scan_failed")).isEqualTo(before + 2);
    }
}
