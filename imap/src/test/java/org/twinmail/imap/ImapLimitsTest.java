package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Size;
import org.twinmail.core.model.Account;
import org.twinmail.core.attack.AttackFigures;

/** Limits and hostile input: each gets a clear reply and the session (and server) go on, or end with BYE where they must. */
class ImapLimitsTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ImapFixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private ImapClient login(ImapServer server, Account a) throws Exception {
        ImapClient c = new ImapClient(ImapFixture.address(server));
        assertThat(c.line()).startsWith("* OK");
        assertThat(c.command("l", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("l OK");
        return c;
    }

    @Test
    void nonSynchronizingLiteralOverTheLimitIsRefusedAndTheConnectionClosed() throws Exception {
        ImapServer server = fx.server(l -> l.maxLiteralSize = Size.of("1K"));
        Account a = fx.account();
        try (ImapClient c = login(server, a)) {
            // LITERAL+: the client sends the octets without waiting; the server must not run them as commands,
            // and (RFC 7888 4) refuses and closes rather than reading what may be gigabytes.
            byte[] body = ("a1 NOOP\r\n".repeat(300)).getBytes(StandardCharsets.US_ASCII);
            c.send("a1 APPEND INBOX {" + body.length + "+}\r\n");
            c.sendBytes(body);
            c.send("\r\n");
            assertThat(c.line()).isEqualTo("a1 BAD [TOOBIG] literal of 2700 octets is over the limit of 1024");
            assertThat(c.line()).isEqualTo("* BYE literal too big");
            assertThat(c.closedByServer()).isTrue();
        }
        try (ImapClient c = login(server, a)) {
            assertThat(c.command("a2", "NOOP")).containsExactly("a2 OK NOOP completed");
        }
    }

    /** Before: {@code {4294967296+}} before login was read and dropped in full, 4 GiB of it. */
    @Test
    void aHugeNonSynchronizingLiteralBeforeLoginIsRefusedAtOnce() throws Exception {
        ImapServer server = fx.server(l -> { });
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            long start = System.nanoTime();
            c.send("a1 LOGIN {4294967296+}\r\n");
            c.sendBytes("x".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
            assertThat(c.line()).startsWith("a1 BAD [TOOBIG] literal of 4294967296 octets is over the limit of 8192");
            assertThat(c.line()).isEqualTo("* BYE literal too big");
            assertThat(c.closedByServer()).isTrue();
            AttackFigures.report("ImapLimitsTest#hugeLiteralBeforeLogin", "literal_octets", 4_294_967_296L, "octets_sent", 100_000,
                    "refused_and_closed_after_ms", (System.nanoTime() - start) / 1_000_000);
        }
        // the pre-login limit (imap.maxLiteralSizeBeforeLogin, 8K) applies to synchronizing literals too
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            c.send("a1 LOGIN {9000}\r\n");
            assertThat(c.line()).startsWith("a1 BAD [TOOBIG] literal of 9000 octets is over the limit of 8192");
            assertThat(c.command("a2", "NOOP")).containsExactly("a2 OK NOOP completed");
        }
    }

    @Test
    void largeLiteralsAreSpooledToDiskAndTheFileRemoved() throws Exception {
        ImapServer server = fx.serverWith(c -> c.store.spoolMemoryLimit = Size.of("4K"));
        Account a = fx.account();
        String body = "Subject: big\r\n\r\n" + "0123456789abcdef\r\n".repeat(4000); // 72 KB: over the 4K in memory
        try (ImapClient c = login(server, a)) {
            c.send("a1 APPEND INBOX {" + body.length() + "+}\r\n" + body + "\r\n");
            assertThat(c.until("a1").getLast()).startsWith("a1 OK [APPENDUID ");
            c.command("s", "EXAMINE INBOX");
            assertThat(c.command("f", "FETCH 1 RFC822.SIZE").getFirst()).isEqualTo("* 1 FETCH (RFC822.SIZE " + body.length() + ")");
        }
        java.nio.file.Path spool = dataDir.resolve("spool");
        try (var files = java.nio.file.Files.list(spool)) {
            assertThat(files.toList()).as("spool files left in %s", spool).isEmpty();
        }
    }

    @Test
    void pipelinedCommandsWithErrorsInBetweenAndNonUtf8Bytes() throws Exception {
        ImapServer server = fx.server(l -> { });
        Account a = fx.account();
        fx.deliver(a, ImapFixture.message("one", "body\r\n"));
        try (ImapClient c = login(server, a)) {
            byte[] junk = {'x', '1', ' ', (byte) 0xff, (byte) 0xfe, 0, (byte) 0x80, '\r', '\n'};
            c.send("p1 SELECT INBOX\r\np2 FETCH 1 (FLAGS\r\np3 FETCH 1 (UID)\r\n");
            c.sendBytes(junk);
            c.send("p4 SEARCH SUBJECT \"\u00ff\u00fe\"\r\np5 NOOP\r\n");
            List<String> lines = c.until("p5");
            assertThat(lines).contains("p1 OK [READ-WRITE] SELECT completed", "p2 BAD expected ')' at the end",
                    "* 1 FETCH (UID 1)", "p3 OK FETCH completed", "p4 OK SEARCH completed", "p5 OK NOOP completed");
            assertThat(lines).anyMatch(l -> l.startsWith("x1 BAD "));
        }
    }

    @Test
    void tooManyErrorsEndTheSessionWithBye() throws Exception {
        ImapServer server = fx.server(l -> l.maxErrors = 3);
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            c.sendLine("a FROB");
            c.sendLine("b FROB");
            c.sendLine("c FROB");
            assertThat(c.until("c")).containsExactly("a BAD unknown command FROB", "b BAD unknown command FROB", "c BAD unknown command FROB");
            assertThat(c.line()).isEqualTo("* BYE too many errors");
            assertThat(c.closedByServer()).isTrue();
        }
        // The server still serves.
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            assertThat(c.line()).startsWith("* OK");
        }
    }

    @Test
    void overlongLineIsRefusedAndTheSessionEnds() throws Exception {
        ImapServer server = fx.server(l -> l.maxLineLength = 8192);
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            c.sendLine("a1 NOOP " + "x".repeat(20_000));
            assertThat(c.line()).isEqualTo("a1 BAD [TOOBIG] command line too long");
            assertThat(c.line()).isEqualTo("* BYE command line too long");
            assertThat(c.closedByServer()).isTrue();
        }
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            assertThat(c.command("a2", "NOOP")).containsExactly("a2 OK NOOP completed");
        }
    }

    @Test
    void silentClientIsLoggedOutBeforeLogin() throws Exception {
        ImapServer server = fx.server(l -> l.authTimeout = Duration.ofSeconds(1));
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            assertThat(c.line()).isEqualTo("* BYE autologout: idle for too long");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void anIdlingClientIsLoggedOutAfterTheIdleTimeoutEvenWithNoThreadWaitingForIt() throws Exception {
        // A plain connection in IDLE waits in the listener's selector: its read timeout is the selector's to keep.
        ImapServer server = fx.server(l -> l.idleTimeout = Duration.ofSeconds(1));
        Account a = fx.account();
        fx.deliver(a, ImapFixture.message("one", "body\r\n"));
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            assertThat(c.command("l", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("l OK");
            assertThat(c.command("s", "SELECT INBOX").getLast()).startsWith("s OK");
            long start = System.nanoTime();
            c.sendLine("i IDLE");
            assertThat(c.line()).isEqualTo("+ idling");
            assertThat(c.line()).isEqualTo("* BYE autologout: idle for too long");
            assertThat(c.closedByServer()).isTrue();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(900).toNanos());
        }
    }

    @Test
    void badLimitsAreRefusedAtStart() {
        assertThatThrownBy(() -> fx.server(l -> l.maxLineLength = 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("imap.maxLineLength");
        assertThatThrownBy(() -> fx.server(l -> l.maxErrors = 0)).hasMessageContaining("imap.maxErrors");
        assertThatThrownBy(() -> fx.server(l -> l.idleTimeout = Duration.ZERO)).hasMessageContaining("imap.idleTimeout");
    }

    @Test
    void overQuotaAppendAndCopyGetOverquota() throws Exception {
        ImapServer server = fx.server(l -> { });
        Account a = fx.account(300);
        fx.deliver(a, ImapFixture.message("q", "x\r\n"));
        try (ImapClient c = login(server, a)) {
            String big = "Subject: big\r\n\r\n" + "y".repeat(300);
            c.send("a1 APPEND INBOX {" + big.length() + "+}\r\n" + big + "\r\n");
            assertThat(c.until("a1").getLast()).isEqualTo("a1 NO [OVERQUOTA] quota exceeded");
            c.command("s", "SELECT INBOX");
            assertThat(c.command("c1", "COPY 1 INBOX").getLast()).isEqualTo("c1 NO [OVERQUOTA] quota exceeded");
            assertThat(c.command("c2", "COPY 1 Trash").getLast()).isEqualTo("c2 NO [OVERQUOTA] quota exceeded");
        }
    }
}
