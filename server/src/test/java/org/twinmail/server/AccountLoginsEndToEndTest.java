package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminOperations.AppPasswordCreated;
import org.twinmail.core.config.TwinmailConfig;

/**
 * An account's logins on a running node, every protocol over its own socket: an app password made
 * through the admin API logs in on IMAP, POP3, SMTP AUTH (submission) and JMAP Basic beside the
 * main password, and not after it is revoked; a disabled account logs in nowhere, and mail to it
 * is refused at RCPT with 550 5.2.1, until it is enabled again.
 */
class AccountLoginsEndToEndTest {
    static final String ALICE = "alice@example.org";
    static final String PASSWORD = "alice main password";

    @TempDir
    Path data;
    TwinmailServer server;
    AdminClient api;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        // this test fails logins on purpose: no delays and no ban for loopback
        config.auth.banExemptNetworks = List.of("127.0.0.0/8");
        config.auth.failureDelay = Duration.ofMillis(1);
        config.auth.maxFailureDelay = Duration.ofMillis(1);
        config.auth.credentialCacheTtl = Duration.ofHours(1); // the cache must not let a disabled account in
        server = TwinmailServer.start(config);
        RunFile run = RunFile.read(server.runDir()).orElseThrow();
        api = new AdminClient(run.uri(), run.token());
        api.addDomain("example.org");
        api.addUser(ALICE, PASSWORD.toCharArray(), 0, 0);
    }

    @AfterEach
    void stop() {
        if (api != null) api.close();
        if (server != null) server.close();
    }

    @Test
    void anAppPasswordLogsInOnEveryProtocolBesideThePasswordUntilRevoked() throws Exception {
        AppPasswordCreated phone = api.addAppPassword(ALICE, "phone");
        String app = phone.password();
        for (String pw : List.of(PASSWORD, app, app.replace("-", ""), app.toUpperCase())) {
            assertThat(imap(pw)).as("IMAP with %s", pw).startsWith("a OK");
        }
        assertThat(pop3(app)).startsWith("+OK");
        assertThat(smtpAuth(app)).startsWith("235");
        assertThat(jmap(app)).isEqualTo(200);
        assertThat(jmap(PASSWORD)).isEqualTo(200);
        assertThat(imap("abcd-efgh-ijkl-mnop")).startsWith("a NO"); // the form alone is nothing

        api.removeAppPassword(ALICE, "phone");
        assertThat(imap(app)).startsWith("a NO");
        assertThat(pop3(app)).startsWith("-ERR");
        assertThat(smtpAuth(app)).startsWith("535");
        assertThat(jmap(app)).isEqualTo(401);
        assertThat(imap(PASSWORD)).startsWith("a OK");
    }

    @Test
    void aDisabledAccountLogsInNowhereAndItsMailIsRefusedUntilEnabled() throws Exception {
        String app = api.addAppPassword(ALICE, "laptop").password();
        assertThat(imap(PASSWORD)).startsWith("a OK"); // now in the credential cache
        assertThat(rcpt()).startsWith("250");

        assertThat(api.setUserEnabled(ALICE, false).enabled()).isFalse();
        for (String pw : List.of(PASSWORD, app)) {
            assertThat(imap(pw)).startsWith("a NO");
            assertThat(pop3(pw)).startsWith("-ERR");
            assertThat(smtpAuth(pw)).startsWith("535");
            assertThat(jmap(pw)).isEqualTo(401);
        }
        assertThat(rcpt()).isEqualTo("550 5.2.1 <alice@example.org>: Recipient address rejected: mailbox disabled");

        api.setUserEnabled(ALICE, true);
        assertThat(imap(PASSWORD)).startsWith("a OK");
        assertThat(imap(app)).startsWith("a OK");
        assertThat(rcpt()).startsWith("250");
    }

    @Test
    void theCliDisablesEnablesAndManagesAppPasswordsOnAStoppedNode() {
        String d = data.resolve("cli").toString();
        assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "cli.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", d, "user", "add", "bob@cli.example", "--password", "pw-long-enough").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", d, "user", "disable", "bob@cli.example").out()).contains("disabled bob@cli.example");
        assertThat(CliRunner.run("admin", "--data", d, "user", "list").out()).contains("DISABLED");
        assertThat(CliRunner.run("admin", "--data", d, "user", "enable", "bob@cli.example").out()).contains("enabled bob@cli.example");
        CliRunner.Result added = CliRunner.run("admin", "--data", d, "user", "app-password", "add", "bob@cli.example", "phone");
        assertThat(added.out()).matches("(?s)app password \"phone\" for bob@cli.example \\(shown once\\): [a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}\\s*");
        assertThat(CliRunner.run("admin", "--data", d, "user", "app-password", "list", "bob@cli.example").out()).contains("phone");
        assertThat(CliRunner.run("admin", "--data", d, "user", "app-password", "remove", "bob@cli.example", "phone").exit()).isZero();
        CliRunner.Result again = CliRunner.run("admin", "--data", d, "user", "app-password", "remove", "bob@cli.example", "phone");
        assertThat(again.exit()).isEqualTo(3);
        assertThat(again.err()).contains("bob@cli.example has no app password named phone");
    }

    @Test
    void theCliImportsRowByRowAndExports() throws Exception {
        String d = data.resolve("cli-csv").toString();
        assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "cli.example").exit()).isZero();
        Path file = data.resolve("in.csv");
        java.nio.file.Files.writeString(file, "address,password,quota\ncarol@cli.example,carol password,1M\nnobody@cli.example,,\n");
        CliRunner.Result r = CliRunner.run("admin", "--data", d, "user", "import", file.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2); // a row failed
        assertThat(r.out()).contains("carol@cli.example", "created", "nobody@cli.example", "a new account needs a password",
                "1 created, 0 changed, 1 failed");
        CliRunner.Result out = CliRunner.run("admin", "--data", d, "user", "export", "cli.example");
        assertThat(out.exit()).isZero();
        assertThat(out.out()).isEqualTo("address,password,quota,max_message,max_messages,enabled,used_bytes,messages\r\n"
                + "carol@cli.example,,1048576,0,0,true,0,0\r\n");
    }

    // ---- one login per protocol, the tagged or final reply ----

    String imap(String password) throws IOException {
        try (Conversation c = new Conversation(server.imapAddresses().getFirst())) {
            c.read();
            return c.command("a LOGIN \"" + ALICE + "\" \"" + password + "\"", "a ");
        }
    }

    String pop3(String password) throws IOException {
        try (Conversation c = new Conversation(server.pop3Addresses().getFirst())) {
            c.read();
            c.command("USER " + ALICE, null);
            return c.command("PASS " + password, null);
        }
    }

    String smtpAuth(String password) throws IOException {
        try (Conversation c = new Conversation(server.submissionAddresses().getFirst())) {
            c.smtpReply();
            c.send("EHLO test.example");
            c.smtpReply();
            String plain = Base64.getEncoder().encodeToString(("\0" + ALICE + "\0" + password).getBytes(StandardCharsets.UTF_8));
            c.send("AUTH PLAIN " + plain);
            return c.smtpReply();
        }
    }

    String rcpt() throws IOException {
        try (Conversation c = new Conversation(server.smtpAddresses().getFirst())) {
            c.smtpReply();
            c.send("EHLO test.example");
            c.smtpReply();
            c.send("MAIL FROM:<someone@remote.example>");
            c.smtpReply();
            c.send("RCPT TO:<" + ALICE + ">");
            return c.smtpReply();
        }
    }

    int jmap(String password) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((ALICE + ":" + password).getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpAddresses().getFirst().getPort() + "/jmap/session"))
                .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** A line-based conversation on one socket, with a read deadline. */
    static final class Conversation implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Conversation(InetSocketAddress at) throws IOException {
            socket = new Socket(at.getAddress(), at.getPort());
            socket.setSoTimeout(15_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String read() throws IOException {
            String line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            return line;
        }

        /** Sends {@code line}; returns the first reply line starting with {@code tag} (null: the next line). */
        String command(String line, String tag) throws IOException {
            send(line);
            String r = read();
            while (tag != null && !r.startsWith(tag)) r = read();
            return r;
        }

        String smtpReply() throws IOException {
            String r = read();
            while (r.length() > 3 && r.charAt(3) == '-') r = read();
            return r;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
