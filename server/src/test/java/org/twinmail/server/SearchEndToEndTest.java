package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.search.IndexUpdater;
import org.twinmail.store.MailStore;

/**
 * Full-text search on the node as wired: mail in English and Chinese (UTF-8 and GB2312) sent over
 * SMTP is indexed by the active node's change-log consumer and found by IMAP SEARCH, with search
 * strings in UTF-8 and in GB2312; `twinmail admin index rebuild` on a running and on a stopped
 * node; a lost index rebuilt at start.
 */
class SearchEndToEndTest {
    private static final Charset GB2312 = Charset.forName("GB2312");

    @TempDir
    Path data;

    @Test
    void chineseAndEnglishMailSentOverSmtpIsFoundByImapSearch() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "search.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@search.example", "--password", "password-li").exit()).isZero();
            send(server, "Quarterly budget review", "The budget meeting moves to Thursday.", "UTF-8");
            send(server, "会议通知", "明天下午三点开会，讨论邮件系统的升级。", "UTF-8");
            send(server, "项目进度", "请查收本周的项目进度报告。", "GB2312");
            awaitIndexed(server.store());
            assertThat(Files.isDirectory(data.resolve("index"))).isTrue();
            assertSearches(server);

            // a rebuild asked of the running server, through the CLI
            CliRunner.Result r = CliRunner.run("admin", "--data", data.toString(), "index", "rebuild", "--wait", "60s");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("rebuilt the search index: 3 messages");
            assertSearches(server);
        }

        // stopped: the index is lost, the CLI rebuilds it from the store on disk
        deleteTree(data.resolve("index"));
        CliRunner.Result r = CliRunner.run("admin", "--data", data.toString(), "index", "rebuild");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("rebuilt the search index: 3 messages");

        // lost again: the server rebuilds it at start by itself
        deleteTree(data.resolve("index"));
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            awaitIndexed(server.store());
            assertSearches(server);
        }
    }

    private static void assertSearches(TwinmailServer server) throws IOException {
        try (Imap imap = new Imap(server.imapAddresses().getFirst())) {
            imap.command("LOGIN li@search.example password-li");
            imap.command("SELECT INBOX");
            assertThat(imap.command("SEARCH SUBJECT BUDGET")).contains("* SEARCH 1");
            assertThat(imap.command("SEARCH TEXT \"meeting moves\"")).contains("* SEARCH 1");
            assertThat(imap.command("SEARCH BODY budget")).contains("* SEARCH 1");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET UTF-8 BODY ", "邮件系统".getBytes(StandardCharsets.UTF_8))).contains("* SEARCH 2");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET UTF-8 SUBJECT ", "会议".getBytes(StandardCharsets.UTF_8))).contains("* SEARCH 2");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET UTF-8 TEXT ", "进度".getBytes(StandardCharsets.UTF_8))).contains("* SEARCH 3");
            // the search string in GB2312 itself (RFC 9051 6.4.4 CHARSET)
            assertThat(imap.commandWithLiteral("SEARCH CHARSET GB2312 BODY ", "项目进度报告".getBytes(GB2312))).contains("* SEARCH 3");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET GB2312 SUBJECT ", "通知".getBytes(GB2312))).contains("* SEARCH 2");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET UTF-8 TEXT ", "上海".getBytes(StandardCharsets.UTF_8))).contains("* SEARCH");
            assertThat(imap.commandWithLiteral("SEARCH CHARSET UTF-8 TEXT ", "上海".getBytes(StandardCharsets.UTF_8)))
                    .noneMatch(l -> l.matches("\\* SEARCH \\d.*"));
            assertThat(imap.command("SEARCH FROM sender@remote")).contains("* SEARCH 1 2 3");
        }
    }

    private static void send(TwinmailServer server, String subject, String text, String charset) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.timeout", "20000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("sender@remote.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@search.example"));
        m.setSubject(subject, charset);
        m.setText(text, charset);
        Transport.send(m);
    }

    /** Until the index's consumer has handled every change so far. */
    private static void awaitIndexed(MailStore store) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (store.consumerPosition(IndexUpdater.CONSUMER) < store.lastChangePosition()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the search index did not catch up");
            Thread.sleep(20);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    /** A bare IMAP client: commands with a literal for the bytes of a search string. */
    private static final class Imap implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;
        private int tag;

        Imap(InetSocketAddress address) throws IOException {
            socket.connect(address, 10_000);
            socket.setSoTimeout(20_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            line();
        }

        List<String> command(String command) throws IOException {
            return commandWithLiteral(command, null);
        }

        /** {@code command} followed by {@code literal} as a non-synchronizing literal (LITERAL+). */
        List<String> commandWithLiteral(String command, byte[] literal) throws IOException {
            String t = "t" + ++tag;
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes((t + " " + command).getBytes(StandardCharsets.US_ASCII));
            if (literal != null) {
                b.writeBytes(("{" + literal.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(literal);
            }
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(b.toByteArray());
            out.flush();
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                lines.add(l);
                if (l.startsWith(t + " ")) {
                    assertThat(l).as(command).startsWith(t + " OK");
                    return lines;
                }
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("closed");
                if (c != '\r') b.write(c);
            }
            return b.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
