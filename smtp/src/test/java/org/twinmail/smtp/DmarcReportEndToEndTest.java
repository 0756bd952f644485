package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.filter.Chains;
import org.twinmail.filter.auth.report.DmarcAggregates;
import org.twinmail.filter.auth.report.DmarcReportSender;
import org.twinmail.store.QueuedRecipient;

/**
 * DMARC aggregate reports (RFC 7489 7.2) from mail received over SMTP: counted per source and
 * outcome, kept in the store, and queued once the day is over as the Appendix C XML, gzipped,
 * to the rua= addresses, a third-party address only when its domain agrees in DNS (7.1).
 */
class DmarcReportEndToEndTest {
    static final Instant DAY = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void aDaysResultsAreReportedToTheAddressesThatMayReceiveThem(@TempDir Path dataDir) throws Exception {
        try (LocalDnsServer dns = LocalDnsServer.start(); SmtpFixture f = new SmtpFixture(dataDir)) {
            dns.txt("rep.example", "v=spf1 ip4:127.0.0.0/8 -all");
            dns.txt("_dmarc.rep.example", "v=DMARC1; p=quarantine; rua=mailto:dmarc@rep.example,mailto:agg@third.example!1m");
            dns.txt("rep.example._report._dmarc.third.example", "v=DMARC1");
            dns.txt("norep.example", "v=spf1 ip4:127.0.0.0/8 -all");
            dns.txt("_dmarc.norep.example", "v=DMARC1; p=none");
            dns.txt("other.example", "v=spf1 ip4:127.0.0.0/8 -all");
            dns.txt("_dmarc.other.example", "v=DMARC1; p=none; rua=mailto:reports@unwilling.example");

            TwinmailConfig config = new TwinmailConfig();
            config.hostname = SmtpFixture.HOSTNAME;
            config.dataDir = dataDir.toString();
            config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
            config.relay.dns.servers = List.of(dns.hostPort());
            config.relay.dns.timeout = Duration.ofSeconds(2);
            config.filter.authentication.enabled = true;
            DnsMxResolver resolver = DnsMxResolver.fromConfig(config.relay.dns);
            DmarcAggregates aggregates = new DmarcAggregates(f.store, Clock.fixed(DAY, ZoneOffset.UTC));
            InetSocketAddress server;
            try (SmtpServer smtp = new SmtpServer(config, f.store, f.store, null, null, f.registry,
                    Chains.mx(config, f.store, resolver, aggregates), null)) {
                smtp.start();
                server = smtp.boundAddresses().getFirst();
                Account a = f.account();
                assertThat(send(server, "x@rep.example", a, "x@rep.example")).isEqualTo(250);
                aggregates.flush(); // a flush between two messages of one row: the counts add up in the store
                assertThat(send(server, "y@rep.example", a, "y@rep.example")).isEqualTo(250);
                // SPF passes for another domain, the From is rep.example: DMARC fails, p=quarantine
                assertThat(send(server, "x@norep.example", a, "spoof@rep.example")).isEqualTo(250);
                assertThat(send(server, "x@norep.example", a, "x@norep.example")).as("no rua=: not counted").isEqualTo(250);
                assertThat(send(server, "x@other.example", a, "x@other.example")).isEqualTo(250);
            }
            aggregates.flush();
            assertThat(f.store.records(DmarcAggregates.KIND)).extracting(r -> r.name())
                    .containsExactly("other.example 2026-12-07", "rep.example 2026-12-07");

            // the same day: nothing is sent yet
            DmarcReportSender sameDay = new DmarcReportSender(f.store, f.store, resolver, Clock.fixed(DAY, ZoneOffset.UTC),
                    SmtpFixture.HOSTNAME, EmailAddress.parse("postmaster@" + SmtpFixture.HOSTNAME));
            assertThat(sameDay.sendDue()).isZero();

            DmarcReportSender nextDay = new DmarcReportSender(f.store, f.store, resolver,
                    Clock.fixed(DAY.plus(Duration.ofDays(1)), ZoneOffset.UTC), SmtpFixture.HOSTNAME,
                    EmailAddress.parse("postmaster@" + SmtpFixture.HOSTNAME));
            assertThat(nextDay.sendDue()).as("rep.example's report; other.example's address did not agree").isEqualTo(1);
            assertThat(f.store.records(DmarcAggregates.KIND)).as("sent or dropped: gone from the store").isEmpty();

            List<QueuedRecipient> queued = f.store.claimQueued(Instant.now().plus(Duration.ofDays(2)), 10);
            assertThat(queued).extracting(q -> q.recipient().toString())
                    .containsExactlyInAnyOrder("dmarc@rep.example", "agg@third.example");
            assertThat(queued).allSatisfy(q -> assertThat(q.sender()).isEqualTo("postmaster@" + SmtpFixture.HOSTNAME));
            String message;
            try (InputStream in = f.store.openBlob(queued.getFirst().blobId())) {
                message = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            assertThat(message).contains("Subject: Report Domain: rep.example Submitter: " + SmtpFixture.HOSTNAME
                    + " Report-ID: <" + SmtpFixture.HOSTNAME + ".rep.example.20261207>\r\n");
            long begin = Instant.parse("2026-12-07T00:00:00Z").getEpochSecond();
            String file = SmtpFixture.HOSTNAME + "!rep.example!" + begin + "!" + (begin + 86_399) + ".xml.gz";
            assertThat(message).contains("Content-Disposition: attachment; filename=\"" + file + "\"");

            Matcher m = Pattern.compile("Content-Transfer-Encoding: base64\r\n.*\r\n\r\n([A-Za-z0-9+/=\r\n]+)\r\n--", Pattern.DOTALL).matcher(message);
            assertThat(m.find()).isTrue();
            String xml;
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(1))))) {
                xml = new String(gz.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(xml).startsWith("<?xml").contains("\n  <report_metadata>\n    <org_name>");
            xml = flat(xml); // indentation aside
            assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n<report_metadata>")
                    .contains("<org_name>" + SmtpFixture.HOSTNAME + "</org_name>",
                            "<begin>" + begin + "</begin>", "<end>" + (begin + 86_399) + "</end>",
                            "<domain>rep.example</domain>", "<p>quarantine</p>", "<pct>100</pct>")
                    .contains(flat("""
                                <row>
                                  <source_ip>127.0.0.1</source_ip>
                                  <count>2</count>
                                  <policy_evaluated>
                                    <disposition>none</disposition>
                                    <dkim>fail</dkim>
                                    <spf>pass</spf>
                                  </policy_evaluated>
                                </row>
                                <identifiers>
                                  <envelope_from>rep.example</envelope_from>
                                  <header_from>rep.example</header_from>
                                </identifiers>"""))
                    .contains(flat("""
                                  <count>1</count>
                                  <policy_evaluated>
                                    <disposition>quarantine</disposition>
                                    <dkim>fail</dkim>
                                    <spf>fail</spf>
                                  </policy_evaluated>
                                </row>
                                <identifiers>
                                  <envelope_from>norep.example</envelope_from>
                                  <header_from>rep.example</header_from>
                                </identifiers>
                                <auth_results>
                                  <spf>
                                    <domain>norep.example</domain>
                                    <result>pass</result>"""))
                    .doesNotContain("other.example");
        }
    }

    private static String flat(String text) {
        return text.lines().map(String::strip).collect(java.util.stream.Collectors.joining("\n"));
    }

    private static int send(InetSocketAddress server, String mailFrom, Account to, String headerFrom) throws Exception {
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("EHLO client.example", 250);
            c.expect("MAIL FROM:<" + mailFrom + ">", 250);
            c.expect("RCPT TO:<" + to.address() + ">", 250);
            int code = SmtpConversationTest.data(c, "From: " + headerFrom + "\r\nTo: " + to.address()
                    + "\r\nSubject: s\r\nMessage-ID: <" + SmtpFixture.unique("m") + "@x>\r\n\r\nHello.\r\n").code();
            c.expect("QUIT", 221);
            return code;
        }
    }
}
