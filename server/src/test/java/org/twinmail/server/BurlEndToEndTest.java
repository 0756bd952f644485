package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BURL (RFC 4468) on the node as TwinmailServer wires it: a client authorizes a URL of a
 * message in its mailbox over IMAP (GENURLAUTH, RFC 4467, access {@code submit+user}), then
 * submits a message made of that URL without sending its content (BURL ... LAST) to another
 * local account; that account reads it over IMAP: our trace headers and then exactly the
 * octets of the original. A token changed by one digit, or a URL of another section than the
 * one signed, is 554 5.6.6 and delivers nothing; BURL before RCPT is 503.
 */
class BurlEndToEndTest {
    @TempDir
    Path data;

    private static final String MESSAGE = "From: ann@burl.example\r\nTo: bob@burl.example\r\nSubject: forwarded without upload\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe body, byte for byte.\r\n";

    @Test
    void aMessageIsSubmittedFromAnImapUrlAndReadBackByteForByte() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "burl.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "ann@burl.example", "--password", "password-ann").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "bob@burl.example", "--password", "password-bob").exit()).isZero();
            InetSocketAddress imap = server.imapAddresses().getFirst();
            byte[] original = MESSAGE.getBytes(StandardCharsets.UTF_8);

            String url;
            String urlOfAnotherSection;
            try (Client ann = new Client(imap)) {
                ann.line();
                ann.command("a1 LOGIN ann@burl.example password-ann");
                ann.send("a2 APPEND Sent {" + original.length + "+}\r\n");
                ann.sendBytes(original);
                List<String> appended = ann.command("");
                String ok = appended.getLast();
                Matcher m = Pattern.compile("APPENDUID (\\d+) (\\d+)").matcher(ok);
                assertThat(m.find()).as(ok).isTrue();
                String rump = "imap://ann%40burl.example@127.0.0.1/Sent;UIDVALIDITY=" + m.group(1) + "/;UID=" + m.group(2)
                        + ";URLAUTH=submit+ann%40burl.example";
                List<String> gen = ann.command("a3 GENURLAUTH \"" + rump + "\" INTERNAL");
                Matcher g = Pattern.compile("^\\* GENURLAUTH \"([^\"]+)\"$").matcher(gen.getFirst());
                assertThat(g.matches()).as(gen.getFirst()).isTrue();
                url = g.group(1);
                assertThat(url).startsWith(rump + ":INTERNAL:");
                String sectionRump = rump.replace(";URLAUTH=", "/;SECTION=TEXT;URLAUTH=");
                urlOfAnotherSection = sectionRump + url.substring(rump.length());
            }

            try (Client smtp = new Client(server.submissionAddresses().getFirst())) {
                assertThat(smtp.line()).startsWith("220 ");
                assertThat(smtp.smtp("EHLO client.example")).noneMatch(l -> l.contains("BURL"));
                String plain = Base64.getEncoder().encodeToString("\0ann@burl.example\0password-ann".getBytes(StandardCharsets.UTF_8));
                assertThat(smtp.smtp("AUTH PLAIN " + plain).getLast()).startsWith("235 ");
                // RFC 4468 3: the URL types once the user is known.
                assertThat(smtp.smtp("EHLO client.example")).contains("250-BURL imap");
                assertThat(smtp.smtp("MAIL FROM:<ann@burl.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("BURL " + url + " LAST").getLast()).startsWith("503 ");
                assertThat(smtp.smtp("RCPT TO:<bob@burl.example>").getLast()).startsWith("250 ");
                String tampered = url.substring(0, url.length() - 1) + (url.endsWith("0") ? "1" : "0");
                assertThat(smtp.smtp("BURL " + tampered + " LAST").getLast()).startsWith("554 5.6.6 ");
                assertThat(smtp.smtp("MAIL FROM:<ann@burl.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("RCPT TO:<bob@burl.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("BURL " + urlOfAnotherSection + " LAST").getLast()).startsWith("554 5.6.6 ");
                assertThat(smtp.smtp("MAIL FROM:<ann@burl.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("RCPT TO:<bob@burl.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("BURL " + url + " LAST").getLast()).startsWith("250 2.0.0 Ok: queued as ");
                smtp.smtp("QUIT");
            }

            try (Client bob = new Client(imap)) {
                bob.line();
                bob.command("b1 LOGIN bob@burl.example password-bob");
                List<String> select = bob.command("b2 EXAMINE INBOX");
                assertThat(select).contains("* 1 EXISTS");
                bob.send("b3 FETCH 1 BODY.PEEK[]\r\n");
                String head = bob.line();
                Matcher lit = Pattern.compile("^\\* 1 FETCH \\(BODY\\[\\] \\{(\\d+)}$").matcher(head);
                assertThat(lit.matches()).as(head).isTrue();
                byte[] delivered = bob.bytes(Integer.parseInt(lit.group(1)));
                assertThat(bob.line()).isEqualTo(")");
                assertThat(bob.line()).startsWith("b3 OK");
                String text = new String(delivered, StandardCharsets.UTF_8);
                assertThat(text).contains("Received: ");
                assertThat(Arrays.copyOfRange(delivered, delivered.length - original.length, delivered.length)).isEqualTo(original);
                // Only our trace fields come before it.
                String trace = text.substring(0, text.length() - MESSAGE.length());
                assertThat(trace.lines().filter(l -> !l.startsWith(" ") && !l.startsWith("\t")))
                        .allMatch(l -> l.startsWith("Return-Path:") || l.startsWith("Received:"));
            }
        }
    }

    /** A line client for IMAP and SMTP. */
    private static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(InetSocketAddress address) throws IOException {
            socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(20_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void sendBytes(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') break;
                if (c != '\r') b.write(c);
            }
            if (c == -1 && b.size() == 0) throw new IOException("connection closed");
            return b.toString(StandardCharsets.UTF_8);
        }

        byte[] bytes(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Sends an IMAP command line (an empty one just ends what was sent) and reads up to its tagged reply. */
        List<String> command(String line) throws IOException {
            send(line + "\r\n");
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                lines.add(l);
                if (!l.startsWith("*") && !l.startsWith("+")) return lines;
            }
        }

        /** An SMTP command and its reply lines (up to the one with a space after the code). */
        List<String> smtp(String command) throws IOException {
            send(command + "\r\n");
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                lines.add(l);
                if (l.length() < 4 || l.charAt(3) == ' ') return lines;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
