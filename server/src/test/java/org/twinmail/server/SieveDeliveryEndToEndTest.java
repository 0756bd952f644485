package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's Sieve script, uploaded over ManageSieve, sorts mail delivered over SMTP: filed
 * with flags into a folder, discarded, or refused at SMTP time; checked over IMAP.
 */
class SieveDeliveryEndToEndTest {
    @TempDir
    Path data;

    static final String SCRIPT = """
            require ["fileinto", "imap4flags", "reject", "envelope", "subaddress"];
            if header :contains "subject" "[lists]" { addflag "$List"; fileinto "Lists"; stop; }
            if envelope :detail "to" "spam" { discard; stop; }
            if header :contains "subject" "unwanted" { reject "Not here, thanks"; stop; }
            """;

    @Test
    void aScriptUploadedOverManageSieveSortsSmtpMail() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "sieve.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "sam@sieve.example", "--password", "pw-sam").exit()).isZero();
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            Store imap = session.getStore("imap");
            imap.connect("sam@sieve.example", "pw-sam");
            try {
                assertThat(imap.getFolder("Lists").create(Folder.HOLDS_MESSAGES)).isTrue();
                upload(server.managesieveAddresses().getFirst());

                send(session, "sam@sieve.example", "[lists] weekly digest");
                send(session, "sam+spam@sieve.example", "buy now");
                send(session, "sam@sieve.example", "hello Sam");
                assertThatThrownBy(() -> send(session, "sam@sieve.example", "unwanted offer"))
                        .isInstanceOf(SendFailedException.class).hasStackTraceContaining("Not here, thanks");

                Folder inbox = imap.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                assertThat(inbox.getMessages()).extracting(Message::getSubject).containsExactly("hello Sam");
                inbox.close(false);
                Folder lists = imap.getFolder("Lists");
                lists.open(Folder.READ_ONLY);
                Message[] filed = lists.getMessages();
                assertThat(filed).extracting(Message::getSubject).containsExactly("[lists] weekly digest");
                assertThat(filed[0].getFlags().contains("$List")).as("imap4flags' addflag").isTrue();
                assertThat(filed[0].getFlags().contains(Flags.Flag.SEEN)).isFalse();
                lists.close(false);
            } finally {
                imap.close();
            }
        }
    }

    private static void send(Session session, String to, String subject) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("someone@remote.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("hello");
        Transport.send(m);
    }

    /** PUTSCRIPT and SETACTIVE over ManageSieve (PLAIN is allowed on loopback). */
    private static void upload(InetSocketAddress address) throws Exception {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            assertThat(response(in)).startsWith("OK");
            String plain = Base64.getEncoder().encodeToString("\0sam@sieve.example\0pw-sam".getBytes(StandardCharsets.UTF_8));
            byte[] script = SCRIPT.getBytes(StandardCharsets.UTF_8);
            out.write(("AUTHENTICATE \"PLAIN\" \"" + plain + "\"\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(response(in)).startsWith("OK");
            out.write(("PUTSCRIPT \"rules\" {" + script.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(script);
            out.write("\r\nSETACTIVE \"rules\"\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(response(in)).isEqualTo("OK \"Putscript completed\"");
            assertThat(response(in)).isEqualTo("OK \"Setactive completed\"");
        }
    }

    private static String response(BufferedReader in) throws Exception {
        while (true) {
            String l = in.readLine();
            if (l == null || l.startsWith("OK") || l.startsWith("NO") || l.startsWith("BYE")) return l;
        }
    }
}
