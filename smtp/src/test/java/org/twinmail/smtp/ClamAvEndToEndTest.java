package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.filter.scan.ClamAv;

/**
 * The MX with a real clamd (Debian clamav-daemon) started on a unix socket with a signature
 * file for the EICAR string only: clean mail delivered, EICAR attached (plain and zipped)
 * refused with 554 5.7.1 and the signature's name in the log, quarantined when so configured,
 * a message over clamd's StreamMaxLength and a stopped clamd answered 451 4.7.1 (or, with
 * {@code onFailure: accept}, delivered and marked).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClamAvEndToEndTest {
    @TempDir
    static Path dir;
    static SmtpFixture fixture;
    static ScanDaemons.Daemon clamd;
    static InetSocketAddress rejecting;
    static InetSocketAddress quarantining;
    static InetSocketAddress failOpen;
    static InetSocketAddress smallLimit;

    @BeforeAll
    static void start() throws Exception {
        clamd = ScanDaemons.clamd(Files.createDirectories(dir.resolve("clamd")), "1M");
        fixture = new SmtpFixture(Files.createDirectories(dir.resolve("data")));
        rejecting = fixture.serverWith(c -> c.filter.clamav.address = clamd.address());
        quarantining = fixture.serverWith(c -> {
            c.filter.clamav.address = clamd.address();
            c.filter.clamav.action = TwinmailConfig.ScanAction.QUARANTINE;
        });
        failOpen = fixture.serverWith(c -> {
            c.filter.clamav.address = clamd.address();
            c.filter.clamav.onFailure = TwinmailConfig.OnFailure.ACCEPT;
        });
        smallLimit = fixture.serverWith(c -> {
            c.filter.clamav.address = clamd.address();
            c.filter.clamav.maxSize = org.twinmail.core.config.Size.of("2K");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) fixture.close();
        if (clamd != null) clamd.close();
    }

    static SmtpClient.Reply send(InetSocketAddress server, Account to, String content) throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<sender@remote.example>", 250);
            c.expect("RCPT TO:<" + to.address() + ">", 250);
            return SmtpConversationTest.data(c, content);
        }
    }

    static byte[] eicar() {
        return ScanDaemons.eicar().getBytes(StandardCharsets.US_ASCII);
    }

    List<MessageEntry> junk(Account a) {
        Mailbox box = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow();
        return fixture.store.messages(box.id());
    }

    double verdicts(String reason) {
        // one counter per verdict kind (a failure is add_headers when failing open, tempfail when closed)
        return fixture.registry.find("twinmail.filter.verdicts").tags("check", "clamav", "reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    @Order(1)
    void cleanMailIsDelivered() throws Exception {
        Account a = fixture.account();
        String content = ScanDaemons.withAttachment("report", "report.txt", "quarterly numbers\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(send(rejecting, a, content).code()).isEqualTo(250);
        assertThat(fixture.only(a)).contains("Subject: report").doesNotContain("X-Virus-Scan");
    }

    @Test
    @Order(2)
    void anEicarAttachmentIsRefusedWith554AndTheSignatureIsInTheLog() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ClamAv.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        Account a = fixture.account();
        double before = fixture.rejected("virus");
        try {
            SmtpClient.Reply r = send(rejecting, a, ScanDaemons.withAttachment("invoice", "invoice.com", eicar()));
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.7.1");
            assertThat(r.text()).doesNotContain(ScanDaemons.EICAR_SIGNATURE);
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(fixture.rejected("virus")).isEqualTo(before + 1);
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(l -> l.matches("\\S+ clamav: " + ScanDaemons.EICAR_SIGNATURE.replace(".", "\\.") + "(\\.UNOFFICIAL)? found, reject"));
    }

    @Test
    @Order(3)
    void aZippedEicarIsRefusedToo() throws Exception {
        Account a = fixture.account();
        SmtpClient.Reply r = send(rejecting, a, ScanDaemons.withAttachment("archive", "files.zip", ScanDaemons.zip("readme.com", eicar())));
        assertThat(r.code()).isEqualTo(554);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(fixture.inbox(a)).isEmpty();
    }

    @Test
    @Order(4)
    void anInfectedMessageIsQuarantinedWhenSoConfigured() throws Exception {
        Account a = fixture.account();
        assertThat(send(quarantining, a, ScanDaemons.withAttachment("held", "x.com", eicar())).code()).isEqualTo(250);
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).isEmpty();
        assertThat(new org.twinmail.store.Quarantine(fixture.store, fixture.store).list()).filteredOn(i -> i.accountIds().contains(a.id()))
                .singleElement().satisfies(i -> assertThat(i.reason()).isEqualTo("virus"));
    }

    @Test
    @Order(5)
    void aMessageOverClamdsStreamLimitIsAScannerFailure() throws Exception {
        Account a = fixture.account();
        String big = SmtpConversationTest.message("big", ("0123456789".repeat(10) + "\r\n").repeat(12_000)); // ~1.2 MB > 1M
        double before = verdicts("virus_scan_failed");
        SmtpClient.Reply r = send(rejecting, a, big);
        assertThat(r.code()).isEqualTo(451);
        assertThat(r.status()).isEqualTo("4.7.1");
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(verdicts("virus_scan_failed")).isEqualTo(before + 1);
    }

    @Test
    @Order(6)
    void aMessageOverMaxSizeIsDeliveredUnscannedAndMarked() throws Exception {
        Account a = fixture.account();
        double before = verdicts("virus_unscanned_size");
        assertThat(send(smallLimit, a, SmtpConversationTest.message("large", "x".repeat(100) + "\r\n" + ("y".repeat(98) + "\r\n").repeat(30))).code())
                .isEqualTo(250);
        assertThat(fixture.only(a)).startsWith("X-Virus-Scan: skipped (message too large)\r\n");
        assertThat(verdicts("virus_unscanned_size")).isEqualTo(before + 1);
        Account b = fixture.account();
        assertThat(send(smallLimit, b, SmtpConversationTest.message("small", "fine\r\n")).code()).isEqualTo(250);
        assertThat(fixture.only(b)).doesNotContain("X-Virus-Scan");
    }

    @Test
    @Order(10)
    void aStoppedClamdGives451OrAMarkedDeliveryWhenFailingOpen() throws Exception {
        clamd.close();
        double before = verdicts("virus_scan_failed");
        Account a = fixture.account();
        SmtpClient.Reply r = send(rejecting, a, SmtpConversationTest.message("while down", "hello\r\n"));
        assertThat(r.code()).isEqualTo(451);
        assertThat(r.status()).isEqualTo("4.7.1");
        assertThat(fixture.inbox(a)).isEmpty();

        Account b = fixture.account();
        assertThat(send(failOpen, b, SmtpConversationTest.message("while down", "hello\r\n")).code()).isEqualTo(250);
        assertThat(fixture.only(b)).startsWith("X-Virus-Scan: failed, not scanned\r\n");
        assertThat(verdicts("virus_scan_failed")).isEqualTo(before + 2);
    }
}
