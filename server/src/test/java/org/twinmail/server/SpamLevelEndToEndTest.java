package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.MailStore;

/**
 * A user's own spam level, set with {@code twinmail admin user spam-level} (through the running
 * server's admin REST API), decides at delivery where that user's copy of a message goes: one
 * message scored 6.7 by the content score, sent over SMTP to three users in one transaction,
 * lands in Junk for the strict and the normal user and in INBOX (tagged) for the lenient one; a
 * message scored 3.5 goes to Junk for the strict user only. The reject threshold stays the
 * administrator's.
 */
class SpamLevelEndToEndTest {
    @TempDir
    Path data;

    /** MISSING_DATE, MISSING_MESSAGE_ID, SUBJECT_ALL_CAPS, HTML_ONLY, URL_SHORTENER, FROM_REPLYTO_DIFFER: 6.7. */
    static final String SCORE_6_7 = """
            From: Deals <deals@offers.example>
            Reply-To: claims@other-org.example
            Subject: LIMITED OFFER FOR YOU TODAY
            MIME-Version: 1.0
            Content-Type: text/html; charset=utf-8

            <html><body><p>Click <a href="https://bit.ly/abc123">here</a> for the offer.</p></body></html>
            """.replace("\n", "\r\n");

    /** MISSING_DATE, MISSING_MESSAGE_ID, SUBJECT_ALL_CAPS: 3.5. */
    static final String SCORE_3_5 = """
            From: Sam <sam@remote.example>
            Subject: MEETING NOTES FOR MONDAY
            
            The notes are attached to the wiki page.
            """.replace("\n", "\r\n");

    private CliRunner.Result admin(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "admin";
        all[1] = "--data";
        all[2] = data.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        CliRunner.Result r = CliRunner.run(all);
        assertThat(r.exit()).as(r.err()).isZero();
        return r;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    /** The last line of a (possibly multi-line) reply. */
    private static String reply(InputStream in) throws IOException {
        String l = line(in);
        while (l.length() > 3 && l.charAt(3) == '-') l = line(in);
        return l;
    }

    private static void send(InetSocketAddress mx, String content, String... to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(mx, 5000);
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            var out = s.getOutputStream();
            assertThat(reply(in)).startsWith("220");
            for (String cmd : new String[] {"EHLO client.example", "MAIL FROM:<sender@offers.example>"}) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250");
            }
            for (String t : to) {
                out.write(("RCPT TO:<" + t + ">\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250");
            }
            out.write("DATA\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(reply(in)).startsWith("354");
            out.write((content + ".\r\n").getBytes(StandardCharsets.UTF_8));
            assertThat(reply(in)).startsWith("250");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static List<String> folder(MailStore store, String address, SpecialUse use) {
        Account a = store.findAccount(EmailAddress.parse(address)).orElseThrow();
        long id = store.mailboxes(a.id()).stream().filter(m -> use == null ? m.name().equalsIgnoreCase("INBOX") : m.specialUse() == use)
                .findFirst().orElseThrow().id();
        return store.messages(id).stream().map(e -> content(store, e)).toList();
    }

    private static String content(MailStore store, MessageEntry e) {
        try (InputStream in = store.openBlob(e.blobId())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void aMessageLandsInJunkForAStrictUserAndInTheInboxForALenientOne() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            admin("domain", "add", "levels.example");
            for (String u : new String[] {"strict", "normal", "lenient"}) admin("user", "add", u + "@levels.example", "--password", "password-" + u);
            assertThat(admin("user", "spam-level", "strict@levels.example", "strict").out()).contains("strict@levels.example spam level strict");
            assertThat(admin("user", "spam-level", "lenient@levels.example", "lenient").out()).contains("spam level lenient");
            assertThat(admin("user", "spam-level", "normal@levels.example").out()).contains("spam level normal");
            MailStore store = server.store();
            InetSocketAddress mx = server.smtpAddresses().getFirst();

            send(mx, SCORE_6_7, "strict@levels.example", "normal@levels.example", "lenient@levels.example");
            assertThat(folder(store, "strict@levels.example", SpecialUse.JUNK)).singleElement().asString()
                    .startsWith("X-Spam-Flag: YES\r\nX-Spam-Score: 6.7\r\nX-Spam-Status: Yes, score=6.7 tagged_above=3.0 required=3.0");
            assertThat(folder(store, "normal@levels.example", SpecialUse.JUNK)).singleElement().asString()
                    .startsWith("X-Spam-Flag: YES\r\nX-Spam-Score: 6.7\r\nX-Spam-Status: Yes, score=6.7 tagged_above=4.0 required=6.0");
            assertThat(folder(store, "lenient@levels.example", SpecialUse.JUNK)).isEmpty();
            assertThat(folder(store, "lenient@levels.example", null)).singleElement().asString()
                    .startsWith("X-Spam-Flag: NO\r\nX-Spam-Score: 6.7\r\nX-Spam-Status: No, score=6.7 tagged_above=4.0 required=10.0");

            send(mx, SCORE_3_5, "strict@levels.example", "normal@levels.example", "lenient@levels.example");
            assertThat(folder(store, "strict@levels.example", SpecialUse.JUNK)).hasSize(2);
            assertThat(folder(store, "normal@levels.example", null)).singleElement().asString().doesNotContain("X-Spam").contains("MEETING NOTES");
            assertThat(folder(store, "lenient@levels.example", null)).hasSize(2);

            // a level set a moment ago applies to the next message: lenient turned strict, then a score of its own
            admin("user", "spam-level", "lenient@levels.example", "3.0");
            send(mx, SCORE_3_5, "lenient@levels.example");
            assertThat(folder(store, "lenient@levels.example", SpecialUse.JUNK)).singleElement().asString()
                    .startsWith("X-Spam-Flag: YES\r\nX-Spam-Score: 3.5\r\nX-Spam-Status: Yes, score=3.5 tagged_above=3.0 required=3.0");
            assertThat(admin("user", "spam-level", "lenient@levels.example").out()).contains("spam level 3");

            CliRunner.Result bad = CliRunner.run("admin", "--data", data.toString(), "user", "spam-level", "lenient@levels.example", "paranoid");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("a spam level is off, lenient, normal, strict or a score from 0 to 100");
        }
    }
}
