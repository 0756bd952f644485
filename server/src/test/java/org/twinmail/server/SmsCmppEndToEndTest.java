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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.cmpp.CmppPdu;
import org.twinmail.sms.gateway.cmpp.TestIsmg;

/**
 * A node whose only gateway is CMPP 3.0, against an ISMG in the test's process: the
 * verification code and a notice go as SUBMITs from the service number (the notice's from the
 * number extended with its reference), and the user's reply, a DELIVER with Registered_Delivery
 * 0 to that extended number, arrives as mail in the original sender's INBOX with {@code Re:},
 * In-Reply-To and References, and in the user's Sent.
 */
class SmsCmppEndToEndTest {
    private static final String SP = "901234";
    private static final String SECRET = "s3cret";

    @TempDir
    Path dir;

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

    private static String text(TestIsmg.Submitted s) {
        byte[] b = HexFormat.of().parseHex(s.hex());
        return s.msgFmt() == CmppPdu.FMT_UCS2 ? new String(b, StandardCharsets.UTF_16BE) : new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void aReplyBySmsToTheExtendedNumberBecomesThreadedMailInTheSendersInbox() throws Exception {
        Path data = dir.resolve("data");
        try (TestIsmg ismg = new TestIsmg(0, SP, SECRET, 0)) {
            TwinmailConfig c = TestConfigs.loopback(data);
            c.sms.enabled = true;
            TwinmailConfig.Sms.Cmpp m = new TwinmailConfig.Sms.Cmpp();
            m.name = "cmcc";
            m.host = "127.0.0.1";
            m.port = ismg.port();
            m.spId = SP;
            m.sharedSecret = SECRET;
            m.serviceId = "MTWM";
            m.sourceAddress = "10690000";
            m.extensionDigits = 4;
            m.reconnectDelays = List.of(Duration.ofMillis(100));
            c.sms.cmpp = List.of(m);
            try (TwinmailServer server = TwinmailServer.start(c)) {
                assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "sms.example").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@sms.example", "--password", "pw-long-enough").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "wang@sms.example", "--password", "pw-long-enough").exit()).isZero();
                CliRunner.Result set = CliRunner.run("admin", "--data", data.toString(), "sms", "set", "li@sms.example", "--phone",
                        "+8613800138000", "--on", "--zone", "Asia/Shanghai");
                assertThat(set.exit()).as(set.err()).isZero();
                SmsEndToEndTest.await(() -> ismg.submitted.size() == 1);
                TestIsmg.Submitted code = ismg.submitted.getFirst();
                assertThat(code.dest()).isEqualTo("13800138000");
                assertThat(code.srcId()).isEqualTo("10690000"); // not a notice: no reference
                assertThat(code.pdu().serviceId()).isEqualTo("MTWM");
                String codeText = text(code);
                assertThat(codeText).matches("TwinMail code: [0-9]{6} \\(valid 15 minutes\\)");
                CliRunner.Result verify = CliRunner.run("admin", "--data", data.toString(), "sms", "verify", "li@sms.example",
                        codeText.substring(15, 21));
                assertThat(verify.exit()).as(verify.err()).isZero();

                // wang (local) writes to li over submission; the notice comes from the extended number
                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
                p.put("mail.smtp.auth", "true");
                String originalId = "<dinner-2@sms.example>";
                MimeMessage mail = new MimeMessage(Session.getInstance(p)) {
                    @Override
                    protected void updateMessageID() throws jakarta.mail.MessagingException {
                        setHeader("Message-ID", originalId);
                    }
                };
                mail.setFrom(new InternetAddress("wang@sms.example", "王芳", "UTF-8"));
                mail.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                mail.setSubject("周五聚餐", "UTF-8");
                mail.setHeader("References", "<start@sms.example>");
                mail.setText("周五晚上七点，老地方见。", "UTF-8");
                Transport.send(mail, "wang@sms.example", "pw-long-enough");
                SmsEndToEndTest.await(() -> ismg.submitted.size() == 2);
                TestIsmg.Submitted notice = ismg.submitted.get(1);
                assertThat(notice.msgFmt()).isEqualTo(CmppPdu.FMT_UCS2);
                assertThat(notice.srcId()).matches("10690000[0-9]{4}");
                assertThat(text(notice)).startsWith("Mail from 王芳, ").contains("\n周五聚餐\n周五晚上七点，老地方见。");

                // li answers from the phone: a DELIVER (Registered_Delivery 0) to the extended number, from the national number
                ismg.mo("13800138000", notice.srcId(), CmppPdu.FMT_UCS2, "好的，七点见 👍".getBytes(StandardCharsets.UTF_16BE), false);
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
                assertThat(((String) reply.getContent()).strip()).isEqualTo("好的，七点见 👍");
                assertThat(reply.getHeader("Received", null)).contains("with SMS");
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
                SmsEndToEndTest.await(() -> ismg.deliverResps.get() == 1);
                assertThat(ismg.submitted).hasSize(2); // nothing answered by SMS: the reply was sent on
            }
        }
    }
}
