package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.relay.queue.Sink;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.gateway.smpp.TestSmsc;

/**
 * Replies by SMS through a whole node: a notice of mail from a local user and one from a remote
 * sender reach the SMSC; the user's answers to them (deliver_sm to the notice's source address)
 * become mail: in the local sender's INBOX over IMAP with In-Reply-To, References and
 * {@code Re:}, and at the remote sender's MX DKIM-signed (checked by dkimpy); a copy of each in
 * the user's Sent. An unknown number, a stale reference and a reply over the sending limit are
 * each answered by SMS.
 */
class SmsReplyEndToEndTest {
    private static final Pattern RECORD = Pattern.compile("(?m)^(\\S+)\\. IN TXT ((?:\"[^\"]*\" ?)+)$");
    private static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");
    private static final String PHONE = "8613800138000";

    @TempDir
    Path dir;

    /** The text of the SMSC's submit {@code i}, by its data_coding. */
    private static String text(TestSmsc smsc, int i) {
        TestSmsc.Submitted s = smsc.submitted.get(i);
        byte[] b = HexFormat.of().parseHex(s.hex());
        return s.dataCoding() == 8 ? new String(b, StandardCharsets.UTF_16BE) : Gsm7.decode(b);
    }

    private static List<MimeMessage> folder(TwinmailServer server, String user, String name) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(user, "pw-long-enough");
        try {
            Folder f = store.getFolder(name);
            if (!f.exists()) return List.of();
            f.open(Folder.READ_ONLY);
            List<MimeMessage> out = new ArrayList<>();
            for (Message m : f.getMessages()) out.add(new MimeMessage((MimeMessage) m));
            f.close(false);
            return out;
        } finally {
            store.close();
        }
    }

    @Test
    void repliesBySmsBecomeThreadedSignedMailAndRefusalsAreAnswered() throws Exception {
        Path data = dir.resolve("data");
        try (TestSmsc smsc = new TestSmsc(0, null); Sink sink = Sink.start(dir.resolve("sink")); LocalDnsServer dns = LocalDnsServer.start()) {
            dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
            TwinmailConfig c = SmsEndToEndTest.config(data, smsc);
            c.relay.dns.servers = List.of(dns.hostPort());
            c.relay.port = sink.port;
            c.submission.maxMessagesPerHour = 2; // li's third message in the hour is over the limit
            try (TwinmailServer server = TwinmailServer.start(c)) {
                SmsEndToEndTest.verifiedUser(data, smsc);
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "wang@sms.example", "--password", "pw-long-enough").exit()).isZero();
                CliRunner.Result gen = CliRunner.run("admin", "--data", data.toString(), "dkim", "generate", "sms.example");
                assertThat(gen.exit()).as(gen.err()).isZero();
                Matcher record = RECORD.matcher(gen.out());
                assertThat(record.find()).as(gen.out()).isTrue();
                dns.txt(record.group(1), STRING.matcher(record.group(2)).results().map(r -> r.group(1)).toArray(String[]::new));

                // 1. wang (local) writes to li over submission; li answers the notice from the phone
                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
                p.put("mail.smtp.auth", "true");
                String originalId = "<dinner-1@sms.example>";
                MimeMessage m = new MimeMessage(Session.getInstance(p)) {
                    @Override
                    protected void updateMessageID() throws jakarta.mail.MessagingException {
                        setHeader("Message-ID", originalId);
                    }
                };
                m.setFrom(new InternetAddress("wang@sms.example", "王芳", "UTF-8"));
                m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                m.setSubject("周五聚餐", "UTF-8");
                m.setHeader("References", "<start@sms.example>");
                m.setText("周五晚上七点，老地方见。", "UTF-8");
                Transport.send(m, "wang@sms.example", "pw-long-enough");
                SmsEndToEndTest.await(() -> smsc.submitted.size() == 2);
                String source = smsc.submitted.get(1).source();
                assertThat(source).matches("10690000[0-9]{4}");
                smsc.mo(PHONE, source, 8, "好的，七点见 👍".getBytes(StandardCharsets.UTF_16BE));
                SmsEndToEndTest.await(() -> {
                    try {
                        return folder(server, "wang@sms.example", "INBOX").size() == 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                MimeMessage reply = folder(server, "wang@sms.example", "INBOX").getFirst();
                assertThat(reply.getSubject()).isEqualTo("Re: 周五聚餐");
                assertThat(reply.getFrom()).extracting(a -> ((InternetAddress) a).getAddress()).containsExactly("li@sms.example");
                assertThat(reply.getHeader("In-Reply-To", null)).isEqualTo(originalId);
                assertThat(reply.getHeader("References", null).replaceAll("\\s+", " ").strip()).isEqualTo("<start@sms.example> " + originalId);
                assertThat(reply.getContentType()).isEqualToIgnoringCase("text/plain; charset=utf-8");
                assertThat(((String) reply.getContent()).strip()).isEqualTo("好的，七点见 👍");
                assertThat(reply.getHeader("Received", null)).contains("with SMS").contains("li@sms.example");
                // the copy in Sent is saved beside the delivery, not before it: wait for it as for the delivery
                SmsEndToEndTest.await(() -> {
                    try {
                        return folder(server, "li@sms.example", "Sent").size() == 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                List<MimeMessage> sent = folder(server, "li@sms.example", "Sent");
                assertThat(sent).hasSize(1);
                assertThat(sent.getFirst().getHeader("Message-ID", null)).isEqualTo(reply.getHeader("Message-ID", null));
                // the SMSC delivers the same reply again (as one that did not hear our deliver_sm_resp would): known,
                // dropped; the INBOX still holds one at the end, after the later replies were handled in order
                smsc.mo(PHONE, source, 8, "好的，七点见 👍".getBytes(StandardCharsets.UTF_16BE));

                // 2. a remote sender over the MX: the answer leaves through the relay, DKIM-signed for sms.example
                Properties mx = new Properties();
                mx.put("mail.smtp.host", "127.0.0.1");
                mx.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
                MimeMessage r = new MimeMessage(Session.getInstance(mx));
                r.setFrom(new InternetAddress("friend@remote.example", "Friend"));
                r.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                r.setSubject("Slides");
                r.setText("Can you send the slides?");
                Transport.send(r);
                SmsEndToEndTest.await(() -> smsc.submitted.size() == 3);
                smsc.mo(PHONE, smsc.submitted.get(2).source(), 0, Gsm7.encode("Sure, tonight"));
                List<Sink.Received> at = sink.await(1);
                String relayed = at.getFirst().content();
                assertThat(relayed).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sms.example;")
                        .contains("Subject: Re: Slides").contains("To: friend@remote.example");
                assertThat(at.getFirst().envelope()).contains("friend@remote.example");
                Path eml = dir.resolve("reply.eml");
                Files.writeString(eml, relayed, StandardCharsets.ISO_8859_1);
                Process v = new ProcessBuilder("/usr/bin/python3", "../mail/src/test/python/dkim_verify.py",
                        "127.0.0.1", Integer.toString(dns.address().getPort()), eml.toString()).redirectErrorStream(true).start();
                String verdict = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(v.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(verdict).contains(eml + " pass");
                // the copy in Sent is saved beside the delivery, not before it: wait for it as for the delivery
                SmsEndToEndTest.await(() -> {
                    try {
                        return folder(server, "li@sms.example", "Sent").size() == 2;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(folder(server, "li@sms.example", "Sent")).hasSize(2);

                // 3. refusals, each answered by SMS: an unknown number, a stale reference, over the sending limit
                smsc.mo("8613911112222", source, 0, Gsm7.encode("who is this?"));
                SmsEndToEndTest.await(() -> smsc.submitted.size() == 4);
                assertThat(smsc.submitted.get(3).dest()).isEqualTo("8613911112222");
                assertThat(text(smsc, 3)).isEqualTo("TwinMail: this number is not registered for replies by SMS. Nothing was sent.");
                String stale = source.endsWith("0000") ? "106900001111" : "106900000000";
                smsc.mo(PHONE, stale, 0, Gsm7.encode("hello?"));
                SmsEndToEndTest.await(() -> smsc.submitted.size() == 5);
                assertThat(smsc.submitted.get(4).dest()).isEqualTo(PHONE);
                assertThat(text(smsc, 4)).isEqualTo("TwinMail: the notice you answered is unknown or older than 7 days. Nothing was sent.");
                smsc.mo(PHONE, source, 0, Gsm7.encode("one more thing"));
                SmsEndToEndTest.await(() -> smsc.submitted.size() == 6);
                assertThat(text(smsc, 5)).isEqualTo("TwinMail: you are over your sending limit. Nothing was sent; try again later.");
                assertThat(folder(server, "wang@sms.example", "INBOX")).hasSize(1);
                assertThat(folder(server, "li@sms.example", "Sent")).hasSize(2);
            }
        }
    }
}
