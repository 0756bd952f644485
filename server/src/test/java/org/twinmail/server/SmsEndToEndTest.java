package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.gateway.smpp.TestSmsc;

/**
 * A node with SMS on, against an SMSC in the test's process: the operator sets a user's phone,
 * the node sends the code by SMS, the operator confirms it, and mail sent over SMTP arrives at
 * the SMSC as a notice.
 */
class SmsEndToEndTest {
    @TempDir
    Path data;

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached in 60 s");
            Thread.sleep(20);
        }
    }

    /** A node's configuration with SMS on through {@code smsc}, references as 4 digits after the service number 10690000. */
    static TwinmailConfig config(Path data, TestSmsc smsc) {
        TwinmailConfig c = TestConfigs.loopback(data);
        c.sms.enabled = true;
        TwinmailConfig.Sms.Smpp s = new TwinmailConfig.Sms.Smpp();
        s.name = "smsc1";
        s.host = "127.0.0.1";
        s.port = smsc.port();
        s.systemId = "twinmail";
        s.password = "secret";
        s.sourceAddress = "10690000";
        s.extensionDigits = 4;
        s.reconnectDelays = List.of(Duration.ofMillis(100));
        c.sms.smpp = List.of(s);
        return c;
    }

    /** Adds li@sms.example with the phone +8613800138000, confirmed with the code the SMSC received (its first submit). */
    static void verifiedUser(Path data, TestSmsc smsc) throws InterruptedException {
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "sms.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@sms.example", "--password", "pw-long-enough").exit()).isZero();
        CliRunner.Result set = CliRunner.run("admin", "--data", data.toString(), "sms", "set", "li@sms.example", "--phone",
                "+8613800138000", "--on", "--zone", "Asia/Shanghai");
        assertThat(set.exit()).as(set.err()).isZero();
        await(() -> smsc.submitted.size() == 1);
        String codeText = Gsm7.decode(HexFormat.of().parseHex(smsc.submitted.getFirst().hex()));
        assertThat(codeText).matches("TwinMail code: [0-9]{6} \\(valid 15 minutes\\)");
        assertThat(smsc.submitted.getFirst().dest()).isEqualTo("8613800138000");
        CliRunner.Result verify = CliRunner.run("admin", "--data", data.toString(), "sms", "verify", "li@sms.example",
                codeText.substring(15, 21));
        assertThat(verify.exit()).as(verify.err()).isZero();
        assertThat(verify.out()).contains("+8613800138000 (verified)");
    }

    @Test
    void aVerifiedUserGetsANoticeOfMailSentOverSmtp() throws Exception {
        try (TestSmsc smsc = new TestSmsc(0, null)) {
            TwinmailConfig c = config(data, smsc);
            try (TwinmailServer server = TwinmailServer.start(c)) {
                verifiedUser(data, smsc);

                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
                MimeMessage m = new MimeMessage(Session.getInstance(p));
                m.setFrom(new InternetAddress("wang@remote.example", "王芳", "UTF-8"));
                m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                m.setSubject("周五聚餐", "UTF-8");
                m.setText("周五晚上七点，老地方见。\n\n-- \n王芳", "UTF-8");
                long sent = System.nanoTime();
                Transport.send(m);
                await(() -> smsc.submitted.size() == 2);
                long millis = (System.nanoTime() - sent) / 1_000_000;
                TestSmsc.Submitted notice = smsc.submitted.get(1);
                assertThat(notice.dataCoding()).isEqualTo(8);
                assertThat(notice.source()).matches("10690000[0-9]{4}");
                assertThat(new String(HexFormat.of().parseHex(notice.hex()), java.nio.charset.StandardCharsets.UTF_16BE))
                        .matches("Mail from 王芳, [0-9]+ [A-Z][a-z]{2} [0-9]{2}:[0-9]{2}\n周五聚餐\n周五晚上七点，老地方见。");
                System.out.println("SMTP send to submit_sm: " + millis + " ms");
            }
        }
    }
}
