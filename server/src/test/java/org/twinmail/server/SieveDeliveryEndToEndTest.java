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
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "sam@sieve.example", "--password", "password-sam").exit()).isZero();
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            Store imap = session.getStore("imap");
            imap.connect("sam@sieve.example", "password-sam");
            try {
                assertThat(imap.getFolder("Lists").create(Folder.HOLDS_MESSAGES)).isTrue();
                upload(server.managesieveAddresses().getFirst(), SCRIPT);

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

    static final String PERSONAL = """
            require ["fileinto", "copy"];
            if header :contains "subject" "boss" { redirect :copy "deputy@sieve.example"; }
            if header :contains "subject" "urgent" { fileinto "Urgent"; }
            """;

    /**
     * The administrator's global scripts, stored with {@code twinmail admin sieve put} (through
     * the running server's REST API): a before script's fileinto lets the user's script run, a
     * before script's stop ends everything, an after script runs only on mail the user's script kept.
     */
    @Test
    void globalBeforeAndAfterScriptsRunAroundTheUsers() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "sieve.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "sam@sieve.example", "--password", "password-sam").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "deputy@sieve.example", "--password", "password-dep").exit()).isZero();
            Path spam = data.resolve("spam.sieve");
            java.nio.file.Files.writeString(spam, "require \"fileinto\";\nif header :contains \"subject\" \"SPAM\" { fileinto \"Junk\"; }\n");
            Path virus = data.resolve("virus.sieve");
            java.nio.file.Files.writeString(virus, "if header :contains \"subject\" \"virus\" { discard; stop; }\n");
            Path reports = data.resolve("reports.sieve");
            java.nio.file.Files.writeString(reports, "require \"fileinto\";\nif header :contains \"subject\" \"report\" { fileinto \"Reports\"; }\n");
            assertThat(CliRunner.run("admin", "--data", d, "sieve", "put", "before", "10-spam", spam.toString()).exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "sieve", "put", "before", "20-virus", virus.toString()).exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "sieve", "put", "after", "reports", reports.toString()).exit()).isZero();
            Path broken = data.resolve("broken.sieve");
            java.nio.file.Files.writeString(broken, "fileinto \"x\";\n");
            CliRunner.Result refused = CliRunner.run("admin", "--data", d, "sieve", "put", "after", "broken", broken.toString());
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("does not compile");
            CliRunner.Result list = CliRunner.run("admin", "--data", d, "sieve", "list");
            assertThat(list.out()).containsSubsequence("10-spam", "20-virus", "reports").doesNotContain("broken");

            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            Store imap = session.getStore("imap");
            imap.connect("sam@sieve.example", "password-sam");
            Store deputy = session.getStore("imap");
            deputy.connect("deputy@sieve.example", "password-dep");
            try {
                for (String f : new String[] {"Junk", "Reports", "Urgent"}) {
                    if (!imap.getFolder(f).exists()) assertThat(imap.getFolder(f).create(Folder.HOLDS_MESSAGES)).isTrue();
                }
                upload(server.managesieveAddresses().getFirst(), PERSONAL);

                send(session, "sam@sieve.example", "SPAM from boss");     // before files into Junk; the user's script still runs
                send(session, "sam@sieve.example", "virus from boss");    // before stops: the user's script does not run
                send(session, "sam@sieve.example", "weekly report");      // kept by the user's script: after files it
                send(session, "sam@sieve.example", "urgent report");      // filed by the user's script: after does not run
                send(session, "sam@sieve.example", "hello");              // kept everywhere: INBOX

                assertThat(subjects(imap, "Junk")).containsExactly("SPAM from boss");
                assertThat(subjects(imap, "Reports")).containsExactly("weekly report");
                assertThat(subjects(imap, "Urgent")).containsExactly("urgent report");
                assertThat(subjects(imap, "INBOX")).containsExactly("hello");
                assertThat(subjects(deputy, "INBOX")).as("the user's redirect ran after the before script's fileinto, not after its stop")
                        .containsExactly("SPAM from boss");

                assertThat(CliRunner.run("admin", "--data", d, "sieve", "remove", "before", "10-spam").exit()).isZero();
                send(session, "sam@sieve.example", "more SPAM");
                assertThat(subjects(imap, "INBOX")).containsExactly("hello", "more SPAM");
            } finally {
                deputy.close();
                imap.close();
            }
        }
    }

    static final String INCLUDES = """
            require ["include", "fileinto", "copy"];
            if header :contains "subject" "project" { fileinto "Projects"; include :global "archive"; stop; }
            if header :contains "subject" "both" { fileinto :copy "A"; fileinto :copy "B"; }
            """;

    /**
     * {@code include :global} (RFC 6609) runs the administrator's global script of that name, and
     * every mailbox a script files into gets its copy ({@code fileinto :copy}, RFC 3894): a
     * message filed into Projects by the user's script and into Archive by the included global
     * script is in both; one filed into A and B with the implicit keep is in A, B and INBOX.
     */
    @Test
    void includeGlobalReachesTheAdministratorsScriptsAndEveryFiledCopyIsDelivered() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "sieve.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "sam@sieve.example", "--password", "password-sam").exit()).isZero();
            // an after script: on its own it runs only on kept mail, so a filed message reaches it only through the include
            Path archive = data.resolve("archive.sieve");
            java.nio.file.Files.writeString(archive, "require [\"fileinto\", \"copy\"];\nif header :contains \"subject\" \"project\" { fileinto :copy \"Archive\"; }\n");
            assertThat(CliRunner.run("admin", "--data", d, "sieve", "put", "after", "archive", archive.toString()).exit()).isZero();
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            Store imap = session.getStore("imap");
            imap.connect("sam@sieve.example", "password-sam");
            try {
                for (String f : new String[] {"Projects", "Archive", "A", "B"}) assertThat(imap.getFolder(f).create(Folder.HOLDS_MESSAGES)).isTrue();
                upload(server.managesieveAddresses().getFirst(), INCLUDES);

                send(session, "sam@sieve.example", "project plan");
                send(session, "sam@sieve.example", "both please");
                send(session, "sam@sieve.example", "hello");

                assertThat(subjects(imap, "Projects")).containsExactly("project plan");
                assertThat(subjects(imap, "Archive")).as("include :global ran the administrator's script").containsExactly("project plan");
                assertThat(subjects(imap, "A")).containsExactly("both please");
                assertThat(subjects(imap, "B")).as("the second fileinto :copy").containsExactly("both please");
                assertThat(subjects(imap, "INBOX")).containsExactly("both please", "hello");
            } finally {
                imap.close();
            }
        }
    }

    static final String EDITHEADER = """
            require ["editheader", "copy"];
            addheader "X-Sieve-Filtered" "<sam@sieve.example>";
            addheader :last "X-Sieve-Note" "Geprüft";
            deleteheader "X-Spam-Score";
            deleteheader "Received";
            deleteheader "Auto-Submitted";
            redirect :copy "deputy@sieve.example";
            """;

    /**
     * editheader (RFC 5293) at delivery: the stored copy, and the copy the script redirects, carry
     * the edited header (fields kept byte for byte, the added ones, the deleted ones gone), the
     * body unchanged; Received and Auto-Submitted can be neither deleted nor added (RFC 5293 7).
     */
    @Test
    void editheaderChangesTheStoredAndRedirectedCopies() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "sieve.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "sam@sieve.example", "--password", "password-sam").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "deputy@sieve.example", "--password", "password-dep").exit()).isZero();
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            upload(server.managesieveAddresses().getFirst(), EDITHEADER);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("someone@remote.example"));
            m.addRecipient(Message.RecipientType.TO, new InternetAddress("sam@sieve.example"));
            m.setSubject("edited");
            m.setHeader("X-Spam-Score", "5.5");
            m.setHeader("Auto-Submitted", "auto-generated");
            m.setText("the body, unchanged\r\n");
            Transport.send(m);

            for (String[] user : new String[][] {{"sam@sieve.example", "password-sam"}, {"deputy@sieve.example", "password-dep"}}) {
                Store imap = session.getStore("imap");
                imap.connect(user[0], user[1]);
                try {
                    Folder inbox = imap.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    Message[] got = inbox.getMessages();
                    assertThat(got).as(user[0]).hasSize(1);
                    Message copy = got[0];
                    assertThat(copy.getHeader("X-Sieve-Filtered")).as(user[0]).containsExactly("<sam@sieve.example>");
                    assertThat(jakarta.mail.internet.MimeUtility.decodeText(copy.getHeader("X-Sieve-Note")[0])).isEqualTo("Geprüft");
                    assertThat(copy.getHeader("X-Spam-Score")).as("deleted").isNull();
                    assertThat(copy.getHeader("Received")).as("never deleted").isNotEmpty();
                    assertThat(copy.getHeader("Auto-Submitted")).as("never deleted").containsExactly("auto-generated");
                    assertThat(copy.getSubject()).isEqualTo("edited");
                    assertThat(((String) copy.getContent()).strip()).isEqualTo("the body, unchanged");
                    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
                    copy.writeTo(raw);
                    String text = raw.toString(StandardCharsets.UTF_8);
                    String header = text.substring(0, text.indexOf("\r\n\r\n") + 2);
                    assertThat(header).as("added on top of the message's header, :last at its end").containsSubsequence(
                            "X-Sieve-Filtered: <sam@sieve.example>\r\n", "Received:", "Subject: edited", "X-Sieve-Note: ");
                    assertThat(header.lines().filter(l -> l.startsWith("X-Sieve-Note")).findFirst().orElseThrow())
                            .isEqualTo(header.strip().lines().reduce((a, b) -> b).orElseThrow());
                    inbox.close(false);
                } finally {
                    imap.close();
                }
            }
        }
    }

    /**
     * reject (RFC 5429 2.1) for one of two recipients: the message is accepted for the other, so
     * the refusal is a rejection MDN to the envelope sender; never one to the null sender.
     */
    @Test
    void aRejectAfterTheMessageWasAcceptedSendsARejectionMdnButNeverToTheNullSender() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "sieve.example").exit()).isZero();
            for (String u : new String[] {"sam", "deputy", "writer"}) {
                assertThat(CliRunner.run("admin", "--data", d, "user", "add", u + "@sieve.example", "--password", "password-" + u).exit()).isZero();
            }
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
            Session session = Session.getInstance(p);
            upload(server.managesieveAddresses().getFirst(), SCRIPT);

            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("writer@sieve.example"));
            m.setRecipients(Message.RecipientType.TO, "sam@sieve.example, deputy@sieve.example");
            m.setSubject("unwanted offer");
            m.setText("hello");
            Transport.send(m); // accepted: deputy takes it, and sam's script runs after the 250 is due
            assertThat(m.getMessageID()).isNotBlank();

            // the same with the null sender, over the wire
            InetSocketAddress smtp = server.smtpAddresses().getFirst();
            try (Socket s = new Socket(smtp.getAddress(), smtp.getPort())) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertThat(reply(in)).startsWith("220");
                for (String c : new String[] {"EHLO client.example", "MAIL FROM:<>", "RCPT TO:<sam@sieve.example>", "RCPT TO:<deputy@sieve.example>",
                        "DATA"}) {
                    out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(reply(in)).as(c).matches(c.equals("DATA") ? "354.*" : "2.*");
                }
                out.write("From: daemon@remote.example\r\nSubject: unwanted bounce\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250");
            }

            assertThat(subjectsOf(session, "sam@sieve.example", "password-sam")).as("no copy for the one who rejected").isEmpty();
            assertThat(subjectsOf(session, "deputy@sieve.example", "password-deputy")).containsExactly("unwanted offer", "unwanted bounce");
            Store imap = session.getStore("imap");
            imap.connect("writer@sieve.example", "password-writer");
            try {
                Folder inbox = imap.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                Message[] got = inbox.getMessages();
                assertThat(got).as("one rejection, for the message with a sender").hasSize(1);
                MimeMessage mdn = (MimeMessage) got[0];
                assertThat(mdn.getSubject()).isEqualTo("Rejected: unwanted offer");
                assertThat(mdn.getHeader("Return-Path")).containsExactly("<>");
                assertThat(mdn.getHeader("Auto-Submitted")[0]).startsWith("auto-replied");
                assertThat(mdn.getContentType()).contains("multipart/report").contains("report-type=disposition-notification");
                jakarta.mail.internet.MimeMultipart parts = (jakarta.mail.internet.MimeMultipart) mdn.getContent();
                assertThat(parts.getCount()).isEqualTo(3);
                assertThat((String) parts.getBodyPart(0).getContent()).contains("sam@sieve.example").contains("Not here, thanks");
                assertThat(parts.getBodyPart(1).getContentType()).startsWith("message/disposition-notification");
                java.io.ByteArrayOutputStream fields = new java.io.ByteArrayOutputStream();
                parts.getBodyPart(1).getInputStream().transferTo(fields);
                assertThat(fields.toString(StandardCharsets.US_ASCII)).contains("Final-Recipient: rfc822; sam@sieve.example")
                        .contains("Original-Message-ID: " + m.getMessageID())
                        .contains("Disposition: automatic-action/MDN-sent-automatically; deleted");
                assertThat(parts.getBodyPart(2).getContentType()).startsWith("text/rfc822-headers");
                java.io.ByteArrayOutputStream original = new java.io.ByteArrayOutputStream();
                parts.getBodyPart(2).getInputStream().transferTo(original);
                assertThat(original.toString(StandardCharsets.UTF_8)).contains("Subject: unwanted offer");
                inbox.close(false);
            } finally {
                imap.close();
            }
        }
    }

    private static String reply(BufferedReader in) throws Exception {
        while (true) {
            String l = in.readLine();
            if (l == null || l.length() < 4 || l.charAt(3) == ' ') return l;
        }
    }

    private static java.util.List<String> subjectsOf(Session session, String user, String password) throws Exception {
        Store imap = session.getStore("imap");
        imap.connect(user, password);
        try {
            return subjects(imap, "INBOX");
        } finally {
            imap.close();
        }
    }

    private static java.util.List<String> subjects(Store store, String folder) throws Exception {
        Folder f = store.getFolder(folder);
        f.open(Folder.READ_ONLY);
        try {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (Message m : f.getMessages()) out.add(m.getSubject());
            return out;
        } finally {
            f.close(false);
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
    private static void upload(InetSocketAddress address, String text) throws Exception {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            assertThat(response(in)).startsWith("OK");
            String plain = Base64.getEncoder().encodeToString("\0sam@sieve.example\0password-sam".getBytes(StandardCharsets.UTF_8));
            byte[] script = text.getBytes(StandardCharsets.UTF_8);
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
