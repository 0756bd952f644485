package org.twinmail.filter.auth.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.filter.auth.Dmarc;
import org.twinmail.filter.auth.DmarcRecord;
import org.twinmail.mail.header.MailDates;
import org.twinmail.store.Delivery;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Outbound;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * Sends the DMARC aggregate reports (RFC 7489 7.2) of days that are over: one message per
 * domain and day, to the rua= addresses the domain published, through the outbound queue like
 * any other mail (so the relay retries, signs with DKIM and bounces as usual). The report is
 * the XML of RFC 7489 Appendix C, gzipped, as an attachment named
 * {@code receiver!policy-domain!begin!end.xml.gz} (7.2.1.1).
 *
 * <p>An address outside the policy domain's organizational domain gets reports only when its
 * domain agrees in DNS ({@code <policy-domain>._report._dmarc.<rua-domain>} TXT starting with
 * v=DMARC1, 7.1); a DNS failure leaves the day for the next run. A report larger than an
 * address's {@code !size} is not sent to it. The day's record is deleted once its reports are
 * queued; a crash between the two sends that day's report again (at least once).
 */
public final class DmarcReportSender {
    private static final Logger log = LoggerFactory.getLogger(DmarcReportSender.class);

    private final Records records;
    private final Mailboxes mailboxes;
    private final DnsLookups dns;
    private final Clock clock;
    private final String receiver;
    private final EmailAddress from;

    /**
     * @param receiver our name in reports (org_name and the file name): the node's host name
     * @param from     the reports' From and envelope sender
     */
    public DmarcReportSender(Records records, Mailboxes mailboxes, DnsLookups dns, Clock clock, String receiver, EmailAddress from) {
        this.records = records;
        this.mailboxes = mailboxes;
        this.dns = dns;
        this.clock = clock;
        this.receiver = receiver;
        this.from = from;
    }

    /** Queues the reports of every finished day; returns how many messages were queued. */
    public int sendDue() {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        int sent = 0;
        for (StoredRecord r : records.records(DmarcAggregates.KIND)) {
            int space = r.name().indexOf(' ');
            if (space < 0) continue;
            String domain = r.name().substring(0, space);
            LocalDate day;
            try {
                day = LocalDate.parse(r.name().substring(space + 1));
            } catch (java.time.format.DateTimeParseException e) {
                continue;
            }
            if (!day.isBefore(today)) continue;
            DmarcAggregates.Aggregate aggregate = DmarcAggregates.parse(r);
            List<EmailAddress> to = new ArrayList<>();
            boolean retryLater = false;
            byte[] message = message(domain, day, aggregate);
            for (DmarcRecord.ReportUri uri : aggregate.policy().rua()) {
                switch (destination(domain, uri, message.length)) {
                    case ACCEPTED -> to.add(EmailAddress.parse(uri.address()));
                    case RETRY -> retryLater = true;
                    case REFUSED -> { }
                }
            }
            if (retryLater) continue;
            if (!to.isEmpty()) {
                mailboxes.deliver(new Delivery(List.of(), MessageSpool.of(message), clock.instant(),
                        new Outbound(from.toString(), to, false, false)));
                sent++;
                log.info("DMARC aggregate report for {} of {} queued to {} ({} rows)", domain, day, to, aggregate.rows().size());
            }
            records.deleteRecord(DmarcAggregates.KIND, "", r.name());
        }
        return sent;
    }

    private enum Destination { ACCEPTED, REFUSED, RETRY }

    private Destination destination(String policyDomain, DmarcRecord.ReportUri uri, int size) {
        if (uri.maxBytes() > 0 && size > uri.maxBytes()) {
            log.info("DMARC report for {} not sent to {}: {} bytes over its limit of {}", policyDomain, uri.address(), size, uri.maxBytes());
            return Destination.REFUSED;
        }
        if (Dmarc.organizationalDomain(uri.domain()).equals(Dmarc.organizationalDomain(policyDomain))) return Destination.ACCEPTED;
        DnsAnswer<String> txt = dns.txt(policyDomain + "._report._dmarc." + uri.domain());
        if (txt instanceof DnsAnswer.Failed<String>) return Destination.RETRY;
        if (txt.values().stream().anyMatch(DmarcRecord::isDmarc)) return Destination.ACCEPTED;
        log.info("DMARC report for {} not sent to {}: {} does not accept reports for it (RFC 7489 7.1)", policyDomain, uri.address(), uri.domain());
        return Destination.REFUSED;
    }

    /** The whole report message, CRLF line ends. */
    byte[] message(String domain, LocalDate day, DmarcAggregates.Aggregate aggregate) {
        long begin = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long end = begin + 86_399;
        String reportId = receiver + "." + domain + "." + day.toString().replace("-", "");
        String file = receiver + "!" + domain + "!" + begin + "!" + end + ".xml.gz";
        String boundary = "=_dmarc_" + Long.toHexString(begin) + Integer.toHexString(domain.hashCode());
        String attachment = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(gzip(xml(domain, begin, end, reportId, aggregate)));
        String text = "From: " + from + "\r\n"
                + "To: " + String.join(", ", aggregate.policy().rua().stream().map(DmarcRecord.ReportUri::address).toList()) + "\r\n"
                + "Date: " + MailDates.format(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)) + "\r\n"
                + "Subject: Report Domain: " + domain + " Submitter: " + receiver + " Report-ID: <" + reportId + ">\r\n"
                + "Message-ID: <" + reportId + "." + clock.millis() + "@" + receiver + ">\r\n"
                + "Auto-Submitted: auto-generated\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is a DMARC aggregate report from " + receiver + " for " + domain + ", " + day + " (UTC).\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/gzip; name=\"" + file + "\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"" + file + "\"\r\n"
                + "\r\n"
                + attachment + "\r\n"
                + "--" + boundary + "--\r\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The feedback document of RFC 7489 Appendix C. */
    String xml(String domain, long begin, long end, String reportId, DmarcAggregates.Aggregate a) {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n");
        x.append("  <report_metadata>\n");
        element(x, 4, "org_name", receiver);
        element(x, 4, "email", from.toString());
        element(x, 4, "report_id", reportId);
        x.append("    <date_range>\n");
        element(x, 6, "begin", Long.toString(begin));
        element(x, 6, "end", Long.toString(end));
        x.append("    </date_range>\n  </report_metadata>\n");
        DmarcAggregates.Published p = a.policy();
        x.append("  <policy_published>\n");
        element(x, 4, "domain", domain);
        element(x, 4, "adkim", p.adkim());
        element(x, 4, "aspf", p.aspf());
        element(x, 4, "p", p.p());
        element(x, 4, "sp", p.sp());
        element(x, 4, "pct", Integer.toString(p.pct()));
        x.append("  </policy_published>\n");
        for (DmarcAggregates.Counted c : a.rows()) {
            DmarcAggregates.Row r = c.row();
            x.append("  <record>\n    <row>\n");
            element(x, 6, "source_ip", r.sourceIp());
            element(x, 6, "count", Long.toString(c.count()));
            x.append("      <policy_evaluated>\n");
            element(x, 8, "disposition", r.disposition());
            element(x, 8, "dkim", r.dkim());
            element(x, 8, "spf", r.spf());
            x.append("      </policy_evaluated>\n    </row>\n    <identifiers>\n");
            if (!r.envelopeFrom().isEmpty()) element(x, 6, "envelope_from", r.envelopeFrom());
            element(x, 6, "header_from", r.headerFrom());
            x.append("    </identifiers>\n    <auth_results>\n");
            if (!r.dkimDomain().isEmpty()) {
                x.append("      <dkim>\n");
                element(x, 8, "domain", r.dkimDomain());
                element(x, 8, "result", r.dkimResult());
                x.append("      </dkim>\n");
            }
            x.append("      <spf>\n");
            element(x, 8, "domain", r.spfDomain());
            element(x, 8, "result", r.spfResult());
            x.append("      </spf>\n    </auth_results>\n  </record>\n");
        }
        return x.append("</feedback>\n").toString();
    }

    private static void element(StringBuilder x, int indent, String name, String value) {
        x.repeat(' ', indent).append('<').append(name).append('>');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '<' -> x.append("&lt;");
                case '>' -> x.append("&gt;");
                case '&' -> x.append("&amp;");
                case '"' -> x.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\t') x.append(c);
                }
            }
        }
        x.append("</").append(name).append(">\n");
    }

    private static byte[] gzip(String xml) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(xml.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

}
