package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.filter.Chain;
import org.twinmail.filter.Chains;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;

/**
 * A site's own checks in the MX's chain, end to end over SMTP: a sender refused at MAIL with
 * its reason in the session's log line and the metrics, a recipient tempfailed at RCPT before
 * the standard recipient checks, a header field added at DATA that is in the message as the
 * store keeps it, one recipient's copy filed into Junk, and a quarantined message.
 */
class FilterPipelineTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static SmtpServer smtp;
    static InetSocketAddress server;

    /** MAIL: a blocked sender domain. */
    static final class BlockSender implements Check.Mail {
        @Override
        public String name() {
            return "block-sender";
        }

        @Override
        public Verdict mail(Client client, Envelope envelope) {
            boolean blocked = envelope.sender().map(s -> s.domain().equals("spam.example")).orElse(false);
            return blocked ? Verdict.reject(550, "5.7.1", "Sender blocked by local policy", "sender_blocked") : Verdict.proceed();
        }
    }

    /** RCPT: recipients whose local part starts with "grey" are asked to come back later. */
    static final class Grey implements Check.Rcpt {
        @Override
        public String name() {
            return "grey";
        }

        @Override
        public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
            boolean grey = recipient.address().map(a -> a.localPart().startsWith("grey")).orElse(false);
            return grey ? Verdict.tempfail(451, "4.7.1", recipient.shown() + ": Greylisted, try again later", "greylisted")
                    : Verdict.proceed();
        }
    }

    /** DATA: a header field with what the check saw: the HELO name, the envelope, the parsed header section and the body. */
    static final class Stamp implements Check.Data {
        @Override
        public String name() {
            return "stamp";
        }

        @Override
        public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
            String body;
            try (InputStream in = message.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            return Verdict.addHeaders("stamped", new HeaderField("X-Filter-Test", "helo=" + client.helo()
                    + " rcpts=" + envelope.recipients().size() + " subject=" + message.header().first("subject").orElseThrow().decoded()
                    + " first=" + message.header().fields().getFirst().name() + " body=" + body));
        }
    }

    /** RCPT: recipients whose local part starts with "spamfan" get their copy in Junk, flagged $Junk. */
    static final class JunkFiler implements Check.Rcpt {
        @Override
        public String name() {
            return "junk-filer";
        }

        @Override
        public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
            boolean junk = recipient.address().map(a -> a.localPart().startsWith("spamfan")).orElse(false);
            return junk ? Verdict.fileInto(SpecialUse.JUNK, Set.of("$Junk"), "user_junk_rule") : Verdict.proceed();
        }
    }

    /** DATA: a subject with HOLD in it is quarantined. */
    static final class Hold implements Check.Data {
        @Override
        public String name() {
            return "hold";
        }

        @Override
        public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
            String subject = message.header().value("subject");
            return subject != null && subject.contains("HOLD") ? Verdict.quarantine("held_subject") : Verdict.proceed();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = SmtpFixture.HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.smtp.relayNetworks = List.of("127.0.0.0/8"); // for the quarantined message with a remote recipient
        Chain mx = Chains.mx(config, fixture.store).toBuilder()
                .addFirst(new BlockSender())
                .addBefore("recipient-exists", new Grey())
                .add(new JunkFiler())
                .add(new Stamp())
                .add(new Hold())
                .build();
        smtp = new SmtpServer(config, fixture.store, fixture.store, null, null, fixture.registry, mx, null);
        smtp.start();
        server = smtp.boundAddresses().getFirst();
    }

    @AfterAll
    static void stop() {
        smtp.close();
        fixture.close();
    }

    double counted(String name, String... tags) {
        Counter c = fixture.registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aSiteCheckRefusesASenderAtMailWithItsReasonInTheLogLineAndTheMetrics() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("twinmail.session");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            Account rcpt = fixture.account();
            try (SmtpClient c = SmtpClient.connect(server)) {
                c.expect("EHLO blocked.example", 250);
                c.expect("MAIL FROM:<bulk@spam.example>", 550, "5.7.1");
                c.expect("MAIL FROM:<fine@remote.example>", 250);
                c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
                c.expect("QUIT", 221);
            }
            SmtpFixture.await("session log line", () -> appender.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("helo=blocked.example")));
            String line = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains("helo=blocked.example")).findFirst().orElseThrow();
            assertThat(line).contains(" filter=mail/block-sender/sender_blocked ", " rejects=1 ");
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(fixture.rejected("sender_blocked")).isEqualTo(1);
        assertThat(counted("twinmail.filter.verdicts", "chain", "mx", "stage", "mail", "check", "block-sender",
                "verdict", "reject", "reason", "sender_blocked")).isEqualTo(1);
    }

    @Test
    void aSiteCheckTempfailsARecipientBeforeTheStandardChecksAndTheOthersStillGetTheMessage() throws Exception {
        Account grey = fixture.account("grey-" + SmtpFixture.unique("u") + "@" + SmtpFixture.DOMAIN);
        Account plain = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + grey.address() + ">", 451, "4.7.1");
            // before recipient-exists: an unknown grey address is tempfailed too, not refused as unknown
            c.expect("RCPT TO:<grey-nobody@" + SmtpFixture.DOMAIN + ">", 451, "4.7.1");
            c.expect("RCPT TO:<nobody@" + SmtpFixture.DOMAIN + ">", 550, "5.1.1");
            c.expect("RCPT TO:<" + plain.address() + ">", 250);
            assertThat(SmtpConversationTest.data(c, SmtpConversationTest.message("grey", "x\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.inbox(grey)).isEmpty();
        assertThat(fixture.inbox(plain)).hasSize(1);
        assertThat(fixture.rejected("greylisted")).isEqualTo(2);
    }

    @Test
    void aHeaderFieldAddedAtDataIsInTheStoredMessageAboveTheTraceFields() throws Exception {
        Account a = fixture.account();
        Account b = fixture.account();
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("EHLO stamped.example", 250);
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + a.address() + ">", 250);
            c.expect("RCPT TO:<" + b.address() + ">", 250);
            assertThat(SmtpConversationTest.data(c, SmtpConversationTest.message("stamped =?utf-8?q?caf=C3=A9?=", "body\r\n")).code()).isEqualTo(250);
        }
        for (Account x : List.of(a, b)) {
            assertThat(fixture.only(x)).startsWith("X-Filter-Test: helo=stamped.example rcpts=2 subject=stamped caf\u00e9 first=Return-Path body=body\r\n"
                            + "Return-Path: <s@remote.example>\r\n")
                    .endsWith("Subject: stamped =?utf-8?q?caf=C3=A9?=\r\n\r\nbody\r\n");
        }
    }

    List<MessageEntry> junk(Account a) {
        Mailbox box = fixture.store.mailboxes(a.id()).stream().filter(m -> m.specialUse() == SpecialUse.JUNK).findFirst().orElseThrow();
        return fixture.store.messages(box.id());
    }

    @Test
    void aRecipientsCopyIsFiledIntoJunkWithItsFlagAndTheOthersGoToInbox() throws Exception {
        Account fan = fixture.account("spamfan-" + SmtpFixture.unique("u") + "@" + SmtpFixture.DOMAIN);
        Account other = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + fan.address() + ">", 250);
            c.expect("RCPT TO:<" + other.address() + ">", 250);
            assertThat(SmtpConversationTest.data(c, SmtpConversationTest.message("offer", "buy\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.inbox(fan)).isEmpty();
        assertThat(junk(fan)).singleElement().satisfies(e -> {
            assertThat(e.flags()).containsExactly("$Junk");
            assertThat(fixture.content(e)).startsWith("X-Filter-Test: ").endsWith("Subject: offer\r\n\r\nbuy\r\n");
        });
        assertThat(junk(other)).isEmpty();
        assertThat(fixture.inbox(other)).singleElement().satisfies(e -> assertThat(e.flags()).isEmpty());
        assertThat(counted("twinmail.filter.verdicts", "check", "junk-filer", "verdict", "file_into", "reason", "user_junk_rule"))
                .isEqualTo(1);
    }

    @Test
    void aQuarantinedMessageIsHeldInTheAdministratorsQuarantineAndNeverRelayed() throws Exception {
        Account a = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + a.address() + ">", 250);
            assertThat(SmtpConversationTest.data(c, SmtpConversationTest.message("HOLD me", "x\r\n")).code()).isEqualTo(250);
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + a.address() + ">", 250);
            c.expect("RCPT TO:<someone@elsewhere.example>", 250);
            SmtpClient.Reply r = SmtpConversationTest.data(c, SmtpConversationTest.message("HOLD me too", "x\r\n"));
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.7.1");
        }
        assertThat(fixture.inbox(a)).isEmpty();
        assertThat(junk(a)).isEmpty();
        // held in the administrator's quarantine, for the local recipient only, until released
        org.twinmail.store.Quarantine quarantine = new org.twinmail.store.Quarantine(fixture.store, fixture.store);
        assertThat(quarantine.list()).filteredOn(i -> i.accountIds().contains(a.id())).singleElement().satisfies(i -> {
            assertThat(i.reason()).isEqualTo("held_subject");
            assertThat(i.check()).isEqualTo("hold");
            assertThat(i.subject()).isEqualTo("HOLD me");
            assertThat(i.sender()).isEqualTo("s@remote.example");
            assertThat(i.recipients()).containsExactly(a.address().toString());
        });
        assertThat(fixture.store.queueStats().messages()).as("nothing queued for the remote recipient").isZero();
        assertThat(fixture.rejected("held_subject")).isEqualTo(1);
    }

    /** CONNECT refuses clients while {@code refuse} is set; HELO refuses the name bad.example. */
    static final class Gate implements Check.Connect, Check.Helo {
        volatile boolean refuse;

        @Override
        public String name() {
            return "gate";
        }

        @Override
        public Verdict connect(Client client) {
            return refuse && client.ip().isLoopbackAddress()
                    ? Verdict.reject(554, "5.7.1", "Your address is blocked", "blocked_ip") : Verdict.proceed();
        }

        @Override
        public Verdict helo(Client client) {
            return "bad.example".equals(client.helo()) ? Verdict.reject(550, "5.7.1", "Bad HELO name", "bad_helo") : Verdict.proceed();
        }
    }

    @Test
    void connectAndHeloChecksRefuseBeforeTheGreetingAndTheHeloReply(@TempDir Path own) throws Exception {
        Gate gate = new Gate();
        try (SmtpFixture f = new SmtpFixture(own)) {
            TwinmailConfig config = new TwinmailConfig();
            config.hostname = SmtpFixture.HOSTNAME;
            config.dataDir = own.toString();
            config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
            Chain mx = Chains.mx(config, f.store).toBuilder().addFirst(gate).build();
            try (SmtpServer gated = new SmtpServer(config, f.store, f.store, null, null, f.registry, mx, null)) {
                gated.start();
                InetSocketAddress address = gated.boundAddresses().getFirst();
                try (SmtpClient c = SmtpClient.connect(address)) {
                    c.expect("HELO bad.example", 550, "5.7.1");
                    // not greeted: MAIL is out of sequence until a HELO is accepted
                    c.expect("MAIL FROM:<s@remote.example>", 503, "5.5.1");
                    c.expect("EHLO good.example", 250);
                    c.expect("MAIL FROM:<s@remote.example>", 250);
                }
                gate.refuse = true;
                try (java.net.Socket s = new java.net.Socket(address.getAddress(), address.getPort())) {
                    s.setSoTimeout(10_000);
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertThat(reply).isEqualTo("554 5.7.1 Your address is blocked\r\n");
                }
            }
            assertThat(f.rejected("blocked_ip")).isEqualTo(1);
            assertThat(f.rejected("bad_helo")).isEqualTo(1);
        }
    }
}
