package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.pop3.Pop3Fixture.PASSWORD;
import static org.twinmail.pop3.Pop3Fixture.address;
import static org.twinmail.pop3.Pop3Fixture.user;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;

/** An independent client: Jakarta Mail's POP3 provider (Angus) against the server. */
class JakartaMailPop3Test {

    @TempDir
    static Path dataDir;
    static Pop3Fixture fx;
    static Pop3Server server;

    @BeforeAll
    static void start() throws Exception {
        fx = new Pop3Fixture(dataDir);
        server = fx.server(p -> { });
    }

    @AfterAll
    static void stop() {
        if (fx != null) fx.close();
    }

    private static Session session(ByteArrayOutputStream transcript, boolean sasl) {
        Properties props = new Properties();
        props.put("mail.pop3.host", address(server).getHostString());
        props.put("mail.pop3.port", Integer.toString(address(server).getPort()));
        props.put("mail.pop3.connectiontimeout", "5000");
        props.put("mail.pop3.timeout", "5000");
        // Angus calls USER/PASS "LOGIN" and tries it first; name the mechanism so we know which path ran.
        props.put("mail.pop3.auth.mechanisms", sasl ? "PLAIN" : "LOGIN");
        props.put("mail.debug.auth", "true");
        Session s = Session.getInstance(props);
        s.setDebug(true);
        s.setDebugOut(new PrintStream(transcript, true, StandardCharsets.UTF_8));
        return s;
    }

    @Test
    void readMessagesAndDeleteWithExpungeOnClose() throws Exception {
        Account a = fx.account();
        fx.deliver(a, "From: alice@example.org\r\nTo: " + user(a) + "\r\nSubject: Hello POP\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\nFirst body\r\n.with a dot\r\n");
        fx.deliver(a, "From: bob@example.org\r\nTo: " + user(a) + "\r\nSubject: Second\r\n\r\nSecond body\r\n");
        fx.deliver(a, "From: carol@example.org\r\nTo: " + user(a) + "\r\nSubject: Third\r\n\r\nThird body\r\n");
        List<MessageEntry> before = fx.inbox(a);

        ByteArrayOutputStream transcript = new ByteArrayOutputStream();
        Store store = session(transcript, true).getStore("pop3");
        store.connect(user(a), PASSWORD);
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        assertThat(inbox.getMessageCount()).isEqualTo(3);
        Message[] msgs = inbox.getMessages();
        assertThat(msgs[0].getSubject()).isEqualTo("Hello POP");
        assertThat(msgs[0].getFrom()[0].toString()).isEqualTo("alice@example.org");
        assertThat((String) msgs[0].getContent()).isEqualTo("First body\r\n.with a dot\r\n");
        assertThat(msgs[1].getSubject()).isEqualTo("Second");
        // Angus reports LIST's size minus the header it fetched with TOP: the body's exact length.
        assertThat(msgs[2].getSize()).isEqualTo("Third body\r\n".length());
        POP3Folder pop = (POP3Folder) inbox;
        String uid1 = pop.getUID(msgs[0]);
        String uid2 = pop.getUID(msgs[1]);
        assertThat(uid1).isNotEqualTo(uid2);

        msgs[1].setFlag(Flags.Flag.DELETED, true);
        inbox.close(true); // DELE, then QUIT: the UPDATE state
        store.close();

        String wire = transcript.toString(StandardCharsets.UTF_8);
        assertThat(wire).contains("AUTH PLAIN").doesNotContain("USER ").contains("DELE 2").contains("QUIT");
        assertThat(fx.inbox(a)).extracting(MessageEntry::uid)
                .containsExactly(before.get(0).uid(), before.get(2).uid());

        // A second connection sees two messages with the same UIDs as before.
        Store again = session(new ByteArrayOutputStream(), false).getStore("pop3");
        again.connect(user(a), PASSWORD);
        Folder in2 = again.getFolder("INBOX");
        in2.open(Folder.READ_ONLY);
        assertThat(in2.getMessageCount()).isEqualTo(2);
        assertThat(((POP3Folder) in2).getUID(in2.getMessage(1))).isEqualTo(uid1);
        assertThat(in2.getMessage(2).getSubject()).isEqualTo("Third");
        in2.close(false);
        again.close();
    }

    @Test
    void userPassLoginAndCloseWithoutExpungeKeepsEverything() throws Exception {
        Account a = fx.account();
        fx.deliver(a, "Subject: keep me\r\n\r\nbody\r\n");
        ByteArrayOutputStream transcript = new ByteArrayOutputStream();
        Store store = session(transcript, false).getStore("pop3");
        store.connect(user(a), PASSWORD);
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        Message m = inbox.getMessage(1);
        assertThat(m.getSubject()).isEqualTo("keep me");
        m.setFlag(Flags.Flag.DELETED, true);
        inbox.close(false); // no expunge: Angus sends RSET or no DELE; either way nothing goes
        store.close();
        assertThat(transcript.toString(StandardCharsets.UTF_8)).contains("USER " + user(a)).doesNotContain("AUTH PLAIN");
        assertThat(fx.inbox(a)).hasSize(1);
    }

    @Test
    void wrongPasswordIsAnAuthenticationFailure() throws Exception {
        Account a = fx.account();
        Store store = session(new ByteArrayOutputStream(), true).getStore("pop3");
        try {
            store.connect(user(a), "wrong");
            throw new AssertionError("login with a wrong password succeeded");
        } catch (jakarta.mail.AuthenticationFailedException e) {
            assertThat(e.getMessage()).contains("[AUTH] Authentication failed");
        }
    }
}
