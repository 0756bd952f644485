package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.pop3.Pop3Fixture.PASSWORD;
import static org.twinmail.pop3.Pop3Fixture.address;
import static org.twinmail.pop3.Pop3Fixture.message;
import static org.twinmail.pop3.Pop3Fixture.user;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.AccountChange;

/**
 * Raw-socket conversations with a server on a real embedded store: every command,
 * every error, the maildrop lock, deletion only at QUIT, UIDL stability.
 * Each test works on its own fresh account.
 */
class Pop3ConversationTest {
    private static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed";

    @TempDir
    static Path dataDir;
    static Pop3Fixture fx;
    static Pop3Server server;

    @BeforeAll
    static void start() throws IOException {
        fx = new Pop3Fixture(dataDir);
        server = fx.server(p -> { });
    }

    @AfterAll
    static void stop() {
        if (fx != null) fx.close();
    }

    private static Pop3Client connect() throws IOException {
        return new Pop3Client(address(server));
    }

    /** A client logged in to {@code a}. */
    private static Pop3Client open(Account a) throws IOException {
        Pop3Client c = connect();
        assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
        return c;
    }

    private static String plain(String authz, String user, String password) {
        return Base64.getEncoder().encodeToString((authz + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    // ---- AUTHORIZATION ----

    @Test
    void greetingAndQuitBeforeLogin() throws IOException {
        try (Pop3Client c = connect()) {
            assertThat(c.greeting).isEqualTo("+OK TwinMail POP3 ready");
            assertThat(c.cmd("QUIT")).isEqualTo("+OK TwinMail POP3 signing off");
            assertThat(c.serverClosed()).isTrue();
        }
    }

    @Test
    void capaInBothStates() throws IOException {
        Account a = fx.account();
        List<String> expected = List.of("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                "SASL PLAIN LOGIN", "IMPLEMENTATION TwinMail");
        try (Pop3Client c = connect()) {
            assertThat(c.multi("CAPA")).isEqualTo(expected);
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
            assertThat(c.multi("capa")).isEqualTo(expected);
        }
    }

    @Test
    void userPassLoginReportsTheMaildrop() throws IOException {
        Account a = fx.account();
        String m1 = message("one", "first\r\n");
        String m2 = message("two", "second message\r\n");
        fx.deliver(a, m1);
        fx.deliver(a, m2);
        int total = m1.length() + m2.length();
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("USER " + user(a))).isEqualTo("+OK Send PASS");
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo("+OK Maildrop has 2 messages (" + total + " octets)");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 2 " + total);
        }
    }

    @Test
    void wrongPasswordAndUnknownUserLookTheSame() throws IOException {
        Account a = fx.account();
        double failedBefore = fx.counter("twinmail.pop3.logins", "result", "failed");
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("USER " + user(a))).isEqualTo("+OK Send PASS");
            assertThat(c.cmd("PASS wrong")).isEqualTo(AUTH_FAILED);
            assertThat(c.cmd("USER nobody@example.com")).isEqualTo("+OK Send PASS");
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo(AUTH_FAILED);
            assertThat(c.cmd("USER nobody@nowhere.invalid")).isEqualTo("+OK Send PASS");
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo(AUTH_FAILED);
            // After a failed PASS the client starts again with USER (RFC 1939 section 7).
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo("-ERR Send USER first");
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK Maildrop has 0 messages");
        }
        assertThat(fx.counter("twinmail.pop3.logins", "result", "failed") - failedBefore).isEqualTo(3);
    }

    @Test
    void passWithoutUser() throws IOException {
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo("-ERR Send USER first");
        }
    }

    @Test
    void userNameIsCaseInsensitive() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            assertThat(c.login(user(a).toUpperCase(), PASSWORD)).startsWith("+OK");
        }
    }

    @Test
    void authPlainWithInitialResponse() throws IOException {
        Account a = fx.account();
        fx.deliver(a, message("x", "y\r\n"));
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("AUTH PLAIN " + plain("", user(a), PASSWORD))).startsWith("+OK Maildrop has 1 message (");
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
        }
    }

    @Test
    void authPlainWithContinuation() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd(plain(user(a), user(a), PASSWORD))).startsWith("+OK Maildrop has 0 messages");
        }
    }

    @Test
    void authPlainCancelled() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("*")).isEqualTo("-ERR Authentication cancelled");
            assertThat(c.cmd("STAT")).isEqualTo("-ERR Command not valid in this state");
            assertThat(c.cmd("AUTH PLAIN " + plain("", user(a), PASSWORD))).startsWith("+OK");
        }
    }

    @Test
    void authPlainFailures() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("AUTH PLAIN " + plain("", user(a), "wrong"))).isEqualTo(AUTH_FAILED);
            assertThat(c.cmd("AUTH PLAIN " + plain("", "nobody@example.com", PASSWORD))).isEqualTo(AUTH_FAILED);
            // Acting as somebody else is not offered.
            assertThat(c.cmd("AUTH PLAIN " + plain("postmaster@example.com", user(a), PASSWORD))).isEqualTo(AUTH_FAILED);
            // Malformed base64, in the initial response and in the continuation.
            assertThat(c.cmd("AUTH PLAIN %%%")).isEqualTo("-ERR Invalid base64 data");
            assertThat(c.cmd("AUTH PLAIN AGFiYw")).isEqualTo("-ERR Malformed PLAIN response");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("not base64!")).isEqualTo("-ERR Invalid base64 data");
            // Valid base64 of something that is not authzid NUL authcid NUL password.
            assertThat(c.cmd("AUTH PLAIN " + Base64.getEncoder().encodeToString("just-a-user".getBytes()))).isEqualTo("-ERR Malformed PLAIN response");
            assertThat(c.cmd("AUTH PLAIN =")).isEqualTo("-ERR Malformed PLAIN response");
            assertThat(c.cmd("AUTH CRAM-MD5")).isEqualTo("-ERR Unsupported authentication mechanism");
            assertThat(c.cmd("AUTH PLAIN " + plain("", user(a), PASSWORD))).startsWith("+OK");
        }
    }

    @Test
    void authWithoutMechanismListsThem() throws IOException {
        try (Pop3Client c = connect()) {
            assertThat(c.multi("AUTH")).containsExactly("PLAIN", "LOGIN");
        }
    }

    @Test
    void transactionCommandsBeforeLoginAndLoginCommandsAfter() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            for (String cmd : List.of("STAT", "LIST", "RETR 1", "TOP 1 1", "UIDL", "DELE 1", "RSET", "NOOP")) {
                assertThat(c.cmd(cmd)).as(cmd).isEqualTo("-ERR Command not valid in this state");
            }
        }
        try (Pop3Client c = open(a)) {
            for (String cmd : List.of("USER " + user(a), "PASS " + PASSWORD, "AUTH PLAIN")) {
                assertThat(c.cmd(cmd)).as(cmd).isEqualTo("-ERR Command not valid in this state");
            }
            assertThat(c.cmd("NOOP")).isEqualTo("+OK");
        }
    }

    // ---- TRANSACTION ----

    @Test
    void listUidlRetrTopAndNoop() throws IOException {
        Account a = fx.account();
        String m1 = message("first", "line 1\r\nline 2\r\nline 3\r\n");
        String m2 = message("second", "only line\r\n");
        long uid1 = fx.deliver(a, m1);
        long uid2 = fx.deliver(a, m2);
        long uidValidity = fx.store.mailbox(a.id(), "INBOX").orElseThrow().uidValidity();
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("LIST")).isEqualTo("+OK 2 messages (" + (m1.length() + m2.length()) + " octets)");
            assertThat(c.readBody()).containsExactly("1 " + m1.length(), "2 " + m2.length());
            assertThat(c.cmd("LIST 2")).isEqualTo("+OK 2 " + m2.length());
            assertThat(c.multi("UIDL")).containsExactly("1 " + uidValidity + "." + uid1, "2 " + uidValidity + "." + uid2);
            assertThat(c.cmd("UIDL 1")).isEqualTo("+OK 1 " + uidValidity + "." + uid1);

            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + m1.length() + " octets");
            byte[] raw = c.readRawBody();
            assertThat(new String(raw, StandardCharsets.UTF_8)).isEqualTo(m1 + ".\r\n");
            // The octet count announced is exactly what arrived (no dots to stuff here).
            assertThat(raw.length - 3).isEqualTo(m1.length());

            String headers = m1.substring(0, m1.indexOf("\r\n\r\n") + 4);
            assertThat(c.cmd("TOP 1 0")).isEqualTo("+OK Top of message follows");
            assertThat(new String(c.readRawBody(), StandardCharsets.UTF_8)).isEqualTo(headers + ".\r\n");
            assertThat(c.cmd("TOP 1 2")).startsWith("+OK");
            assertThat(new String(c.readRawBody(), StandardCharsets.UTF_8)).isEqualTo(headers + "line 1\r\nline 2\r\n.\r\n");
            assertThat(c.cmd("TOP 2 100")).startsWith("+OK");
            assertThat(new String(c.readRawBody(), StandardCharsets.UTF_8)).isEqualTo(m2 + ".\r\n");

            assertThat(c.cmd("NOOP")).isEqualTo("+OK");
            assertThat(c.cmd("QUIT")).isEqualTo("+OK TwinMail POP3 signing off (2 messages left)");
        }
        assertThat(fx.inbox(a)).hasSize(2);
    }

    @Test
    void errorsInTransaction() throws IOException {
        Account a = fx.account();
        fx.deliver(a, message("a", "a\r\n"));
        fx.deliver(a, message("b", "b\r\n"));
        try (Pop3Client c = open(a)) {
            String noSuch = "-ERR No such message, only 2 messages in maildrop";
            for (String cmd : List.of("RETR 3", "RETR 0", "LIST 99", "UIDL 3", "TOP 3 0", "DELE 3", "RETR 4294967296")) {
                assertThat(c.cmd(cmd)).as(cmd).isEqualTo(noSuch);
            }
            for (String cmd : List.of("RETR x", "RETR -1", "LIST 1a", "DELE +1", "TOP y 1")) {
                assertThat(c.cmd(cmd)).as(cmd).isEqualTo("-ERR Invalid message number");
            }
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        // A new session: the errors above used up most of pop3.maxErrors (20).
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("RETR")).isEqualTo("-ERR Message number required");
            assertThat(c.cmd("RETR 1 2")).isEqualTo("-ERR Too many arguments");
            assertThat(c.cmd("TOP 1")).isEqualTo("-ERR TOP needs a message number and a line count");
            assertThat(c.cmd("TOP 1 -5")).isEqualTo("-ERR Invalid line count");
            assertThat(c.cmd("STAT now")).isEqualTo("-ERR Unexpected argument");
            assertThat(c.cmd("XYZZY")).isEqualTo("-ERR Unknown command");
            assertThat(c.cmd("APOP user 0123456789abcdef")).isEqualTo("-ERR Unknown command");
            assertThat(c.cmd("")).isEqualTo("-ERR Empty command");

            // A deleted message is out of reach for everything but RSET.
            assertThat(c.cmd("DELE 1")).isEqualTo("+OK Message 1 deleted");
            assertThat(c.cmd("DELE 1")).isEqualTo("-ERR Message 1 already deleted");
            for (String cmd : List.of("RETR 1", "LIST 1", "UIDL 1", "TOP 1 0")) {
                assertThat(c.cmd(cmd)).as(cmd).isEqualTo("-ERR Message 1 is deleted");
            }
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(c.cmd("LIST")).startsWith("+OK 1 message (");
            assertThat(c.readBody()).hasSize(1).allMatch(l -> l.startsWith("2 "));
            assertThat(c.multi("UIDL")).hasSize(1).allMatch(l -> l.startsWith("2 "));
            assertThat(c.cmd("NOOP")).isEqualTo("+OK");
        }
        // No QUIT: nothing was deleted.
        assertThat(fx.inbox(a)).hasSize(2);
    }

    @Test
    void garbageControlBytesAreAnsweredAndTheSessionGoesOnButAnOverlongLineEndsIt() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = open(a)) {
            c.sendRaw(("NOOP" + "x".repeat(10_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("-ERR Line too long");
            assertThat(c.serverClosed()).isTrue();
        }
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("NOOP")).isEqualTo("+OK");

            c.sendRaw("NO\0OP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("-ERR Invalid characters in command");
            c.sendRaw("\0\0\0\0\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("-ERR Invalid characters in command");
            c.sendRaw(new byte[] {(byte) 0xff, (byte) 0xfe, 'A', '\r', '\n'});
            assertThat(c.readLine()).isEqualTo("-ERR Unknown command");
            c.sendRaw("RETR \u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(c.readLine()).isEqualTo("-ERR Invalid characters in command");
            c.sendRaw("STAT\rNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("-ERR Invalid characters in command");
            // A bare LF ends a line too (telnet, netcat).
            c.sendRaw("NOOP\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 0 0");
        }
    }

    @Test
    void overlongLineBeforeLogin() throws IOException {
        Account a = fx.account();
        try (Pop3Client c = connect()) {
            assertThat(c.cmd("USER " + "u".repeat(10_000))).isEqualTo("-ERR Line too long");
            assertThat(c.serverClosed()).isTrue();
        }
        try (Pop3Client c = connect()) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
        }
    }

    // ---- deletion and UPDATE ----

    @Test
    void deleteTakesEffectAtQuit() throws IOException {
        Account a = fx.account();
        long keep = fx.deliver(a, message("keep", "k\r\n"));
        fx.deliver(a, message("gone1", "g\r\n"));
        fx.deliver(a, message("gone2", "g\r\n"));
        double deletionsBefore = fx.counter("twinmail.pop3.deletions");
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("DELE 2")).isEqualTo("+OK Message 2 deleted");
            assertThat(c.cmd("DELE 3")).isEqualTo("+OK Message 3 deleted");
            // Marked, not gone: another look at the store still finds all three.
            assertThat(fx.inbox(a)).hasSize(3);
            assertThat(c.cmd("QUIT")).isEqualTo("+OK TwinMail POP3 signing off (1 message left)");
            assertThat(c.serverClosed()).isTrue();
        }
        assertThat(fx.inbox(a)).extracting(MessageEntry::uid).containsExactly(keep);
        assertThat(fx.counter("twinmail.pop3.deletions") - deletionsBefore).isEqualTo(2);
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).isEqualTo("+OK TwinMail POP3 signing off (maildrop empty)");
        }
        assertThat(fx.inbox(a)).isEmpty();
    }

    @Test
    void droppedConnectionDeletesNothing() throws Exception {
        Account a = fx.account();
        fx.deliver(a, message("a", "a\r\n"));
        fx.deliver(a, message("b", "b\r\n"));
        Pop3Client c = open(a);
        assertThat(c.cmd("DELE 1")).startsWith("+OK");
        assertThat(c.cmd("DELE 2")).startsWith("+OK");
        c.drop();
        awaitUnlocked(a);
        assertThat(fx.inbox(a)).hasSize(2);
    }

    @Test
    void quitWithoutLineEndBeforeEofDeletesNothing() throws Exception {
        Account a = fx.account();
        fx.deliver(a, message("a", "a\r\n"));
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            // The connection ends in the middle of the line: the command was never complete.
            c.sendRaw("QUIT".getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            assertThat(c.serverClosed()).isTrue();
        }
        awaitUnlocked(a);
        assertThat(fx.inbox(a)).hasSize(1);
    }

    @Test
    void rsetUndoesDeletions() throws IOException {
        Account a = fx.account();
        String m1 = message("a", "a\r\n");
        String m2 = message("b", "b\r\n");
        fx.deliver(a, m1);
        fx.deliver(a, m2);
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 0 0");
            assertThat(c.cmd("RSET")).isEqualTo("+OK Maildrop has 2 messages (" + (m1.length() + m2.length()) + " octets)");
            assertThat(c.cmd("RETR 1")).startsWith("+OK");
            c.readBody();
            assertThat(c.cmd("QUIT")).isEqualTo("+OK TwinMail POP3 signing off (2 messages left)");
        }
        assertThat(fx.inbox(a)).hasSize(2);
    }

    @Test
    void quotaIsFreedAtQuitAndAFullMailboxCanStillBeEmptied() throws IOException {
        Account a = fx.account();
        String m1 = message("a", "a".repeat(500) + "\r\n");
        String m2 = message("b", "b".repeat(700) + "\r\n");
        fx.deliver(a, m1);
        fx.deliver(a, m2);
        long used = fx.usedBytes(a);
        assertThat(used).isEqualTo(m1.length() + m2.length());
        // Shrink the quota below what is stored: the account is now over quota.
        fx.store.updateAccount(a.address(), new AccountChange(null, 100L, null));
        assertThat(fx.store.findAccount(a.id()).orElseThrow().isFull(0)).isTrue();
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        assertThat(fx.usedBytes(a)).isEqualTo(m1.length());
    }

    // ---- the maildrop lock ----

    @Test
    void secondSessionGetsInUseUntilTheFirstQuits() throws IOException {
        Account a = fx.account();
        double inUseBefore = fx.counter("twinmail.pop3.logins", "result", "in_use");
        try (Pop3Client first = open(a); Pop3Client second = connect()) {
            assertThat(second.login(user(a), PASSWORD)).isEqualTo("-ERR [IN-USE] Mailbox is locked by another POP3 session");
            assertThat(second.cmd("AUTH PLAIN " + plain("", user(a), PASSWORD))).startsWith("-ERR [IN-USE]");
            assertThat(first.cmd("QUIT")).startsWith("+OK");
            // The lock is released before the QUIT reply goes out: no race for the next login.
            assertThat(second.login(user(a), PASSWORD)).startsWith("+OK");
        }
        assertThat(fx.counter("twinmail.pop3.logins", "result", "in_use") - inUseBefore).isEqualTo(2);
    }

    @Test
    void lockIsReleasedWhenTheConnectionDrops() throws Exception {
        Account a = fx.account();
        Pop3Client first = open(a);
        first.drop();
        awaitUnlocked(a);
        try (Pop3Client c = connect()) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
        }
    }

    @Test
    void lockIsPerAccount() throws IOException {
        Account a = fx.account();
        Account b = fx.account();
        try (Pop3Client ca = open(a); Pop3Client cb = open(b)) {
            assertThat(ca.cmd("NOOP")).isEqualTo("+OK");
            assertThat(cb.cmd("NOOP")).isEqualTo("+OK");
        }
    }

    /** Polls until the server has noticed a dropped connection and released the account's lock. */
    private static void awaitUnlocked(Account a) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Pop3Client probe = connect()) {
                String reply = probe.login(user(a), PASSWORD);
                if (reply.startsWith("+OK")) {
                    probe.cmd("QUIT");
                    return;
                }
                assertThat(reply).startsWith("-ERR [IN-USE]");
            }
            Thread.sleep(20);
        }
        throw new AssertionError("lock of " + user(a) + " still held 5 s after the connection dropped");
    }

    // ---- snapshot and UIDL ----

    @Test
    void mailArrivingDuringTheSessionWaitsForTheNextLogin() throws IOException {
        Account a = fx.account();
        fx.deliver(a, message("old", "o\r\n"));
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            fx.deliver(a, message("new", "n\r\n"));
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(c.cmd("RETR 2")).startsWith("-ERR No such message");
            assertThat(c.multi("UIDL")).hasSize(1);
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void uidlIsStableAcrossSessionsAndDeletions() throws IOException {
        Account a = fx.account();
        for (int i = 1; i <= 4; i++) fx.deliver(a, message("m" + i, "body " + i + "\r\n"));
        List<String> before;
        try (Pop3Client c = open(a)) {
            before = ids(c.multi("UIDL"));
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        assertThat(before).hasSize(4).doesNotHaveDuplicates();
        assertThat(before).allMatch(id -> id.matches("[\\x21-\\x7e]{1,70}"));
        try (Pop3Client c = open(a)) {
            assertThat(ids(c.multi("UIDL"))).isEqualTo(before);
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 3")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        fx.deliver(a, message("m5", "body 5\r\n"));
        try (Pop3Client c = open(a)) {
            List<String> after = c.multi("UIDL");
            // Messages renumber (the old 2 and 4 are now 1 and 2) but keep their ids.
            assertThat(after.get(0)).isEqualTo("1 " + before.get(1));
            assertThat(after.get(1)).isEqualTo("2 " + before.get(3));
            assertThat(after.get(2)).startsWith("3 ");
            assertThat(ids(after).get(2)).isNotIn(before);
            // RETR 1 is the message that had id before.get(1): same subject.
            assertThat(c.cmd("RETR 1")).startsWith("+OK");
            assertThat(c.readBody()).contains("Subject: m2");
        }
    }

    private static List<String> ids(List<String> uidlLines) {
        return uidlLines.stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    // ---- content ----

    @Test
    void dotStuffedLinesRoundTripThroughRetrAndTop() throws IOException {
        Account a = fx.account();
        String body = ".\r\n..\r\n.leading dot\r\n...three\r\nnot. a dot line\r\n.\r\nlast\r\n";
        String m = message("dots", body);
        fx.deliver(a, m);
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("LIST 1")).isEqualTo("+OK 1 " + m.length());
            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + m.length() + " octets");
            String raw = new String(c.readRawBody(), StandardCharsets.UTF_8);
            assertThat(raw).contains("\r\n..\r\n...\r\n..leading dot\r\n....three\r\nnot. a dot line\r\n..\r\nlast\r\n.\r\n");
            assertThat(unstuff(raw)).isEqualTo(m);
            assertThat(c.cmd("TOP 1 2")).startsWith("+OK");
            assertThat(c.readBody()).endsWith("", ".", "..");
            assertThat(c.cmd("NOOP")).isEqualTo("+OK"); // the stream is still in step
        }
    }

    @Test
    void largeMessageStoredAsFileIsSentExactly() throws IOException {
        Account a = fx.account();
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 400_000; i++) b.append(i % 7 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        String m = message("big", b.toString());
        fx.deliver(a, m);
        double bytesBefore = fx.counter("twinmail.pop3.bytes");
        double retrBefore = fx.counter("twinmail.pop3.retrievals");
        try (Pop3Client c = open(a)) {
            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + m.length() + " octets");
            assertThat(unstuff(new String(c.readRawBody(), StandardCharsets.UTF_8))).isEqualTo(m);
        }
        assertThat(fx.counter("twinmail.pop3.bytes") - bytesBefore).isEqualTo(m.length());
        assertThat(fx.counter("twinmail.pop3.retrievals") - retrBefore).isEqualTo(1);
    }

    private static String unstuff(String raw) {
        assertThat(raw).endsWith(".\r\n");
        StringBuilder out = new StringBuilder();
        String[] lines = raw.substring(0, raw.length() - 3).split("\r\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String l = lines[i];
            out.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
        }
        return out.toString();
    }

    // ---- pipelining and the session log ----

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws IOException {
        Account a = fx.account();
        String m = message("p", "pipelined\r\n");
        fx.deliver(a, m);
        fx.deliver(a, message("q", "second\r\n"));
        try (Pop3Client c = connect()) {
            c.sendRaw(("USER " + user(a) + "\r\nPASS " + PASSWORD + "\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 2\r\nBOGUS\r\nUIDL 2\r\nNOOP\r\nQUIT\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).isEqualTo("+OK Send PASS");
            assertThat(c.readLine()).startsWith("+OK Maildrop has 2 messages");
            assertThat(c.readLine()).startsWith("+OK 2 ");
            assertThat(c.readLine()).startsWith("+OK 2 messages");
            assertThat(c.readBody()).hasSize(2);
            assertThat(c.readLine()).isEqualTo("+OK " + m.length() + " octets");
            assertThat(c.readBody()).contains("pipelined");
            assertThat(c.readLine()).isEqualTo("+OK Message 2 deleted");
            assertThat(c.readLine()).isEqualTo("-ERR Unknown command");
            assertThat(c.readLine()).isEqualTo("-ERR Message 2 is deleted");
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.readLine()).isEqualTo("+OK TwinMail POP3 signing off (1 message left)");
            assertThat(c.serverClosed()).isTrue();
        }
        assertThat(fx.inbox(a)).hasSize(1);
    }

    @Test
    void oneSessionLogLinePerSession() throws IOException {
        Logger logger = (Logger) LoggerFactory.getLogger("twinmail.session");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            Account a = fx.account();
            String m = message("logged", "x\r\n");
            fx.deliver(a, m);
            fx.deliver(a, message("second", "y\r\n"));
            try (Pop3Client c = open(a)) {
                assertThat(c.cmd("RETR 1")).startsWith("+OK");
                c.readBody();
                assertThat(c.cmd("DELE 1")).startsWith("+OK");
                assertThat(c.cmd("DELE 2")).startsWith("+OK");
                assertThat(c.cmd("QUIT")).startsWith("+OK");
                assertThat(c.serverClosed()).isTrue();
            }
            String expected = "user=" + user(a) + " outcome=quit retr=1 dele=2 bytes=" + m.length() + " errors=0";
            awaitLogLine(appender, expected);
            try (Pop3Client c = connect()) {
                assertThat(c.login(user(a), "badpass")).isEqualTo(AUTH_FAILED);
            }
            awaitLogLine(appender, "user=" + user(a) + " outcome=eof retr=0 dele=0 bytes=0 errors=1");
            assertThat(lines(appender)).noneMatch(l -> l.contains("bad") || l.contains(PASSWORD));
        } finally {
            logger.detachAppender(appender);
        }
    }

    private static void awaitLogLine(ListAppender<ILoggingEvent> appender, String fragment) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (lines(appender).stream().anyMatch(l -> l.startsWith("pop3 client=127.0.0.1:") && l.contains(fragment))) return;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no session line with '" + fragment + "' in " + lines(appender));
    }

    private static List<String> lines(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) { // AppenderBase.doAppend holds the appender's monitor
            return new ArrayList<>(appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        }
    }
}
