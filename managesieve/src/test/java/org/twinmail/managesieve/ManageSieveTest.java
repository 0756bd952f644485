package org.twinmail.managesieve;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreAuthenticator;
import org.twinmail.store.embedded.StoreOptions;

/** ManageSieve (RFC 5804) over a socket, by the RFC's examples and rules, and with Debian's sieve-connect. */
class ManageSieveTest {
    static final String PASSWORD = "secret";
    @TempDir
    Path dataDir;
    MailStore store;
    ManageSieveServer server;
    Account alice;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws IOException {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir.resolve("data")));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), new PasswordHasher(1024, 1, 1).hash(PASSWORD.toCharArray()), 0, 0);
        server = start(c -> { });
    }

    ManageSieveServer start(java.util.function.Consumer<TwinmailConfig> tweak) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "sieve.example.com";
        config.dataDir = dataDir.toString();
        config.managesieve.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.managesieve.maxScripts = 3;
        config.managesieve.maxScriptSize = org.twinmail.core.config.Size.of("2K");
        tweak.accept(config);
        ManageSieveServer s = new ManageSieveServer(config, store, new StoreAuthenticator(store, Duration.ofMinutes(1)),
                Tls.create(config), AuthGuard.create(config.auth, registry), registry);
        s.start();
        return s;
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    /** A line-level client: sends lines, reads until a line starting with OK, NO or BYE. */
    final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client() throws IOException {
            InetSocketAddress a = server.boundAddresses().getFirst();
            socket = new Socket(a.getAddress(), a.getPort());
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        List<String> response() throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = in.readLine();
                if (l == null) return lines;
                lines.add(l);
                if (l.startsWith("OK") || l.startsWith("NO") || l.startsWith("BYE")) return lines;
            }
        }

        List<String> send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return response();
        }

        String last(String command) throws IOException {
            return send(command).getLast();
        }

        void login() throws IOException {
            String plain = Base64.getEncoder().encodeToString(("\0alice@example.com\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(last("AUTHENTICATE \"PLAIN\" \"" + plain + "\"")).isEqualTo("OK \"Logged in\"");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String literal(String text) {
        return "{" + text.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + text;
    }

    @Test
    void greetingAuthenticationAndTheScriptCommands() throws IOException {
        try (Client c = new Client()) {
            List<String> greeting = c.response();
            assertThat(greeting).contains("\"IMPLEMENTATION\" \"TwinMail\"", "\"STARTTLS\"", "\"VERSION\" \"1.0\"",
                    "\"SASL\" \"PLAIN LOGIN\"", "\"MAXREDIRECTS\" \"4\"").last().isEqualTo("OK \"TwinMail ManageSieve ready\"");
            assertThat(greeting.stream().filter(l -> l.startsWith("\"SIEVE\"")).findFirst().orElseThrow())
                    .contains("fileinto", "vacation", "imap4flags", "variables");
            assertThat(c.last("LISTSCRIPTS")).isEqualTo("NO \"Authenticate first\"");
            assertThat(c.last("AUTHENTICATE \"PLAIN\" \"" + Base64.getEncoder().encodeToString("\0alice@example.com\0wrong".getBytes()) + "\""))
                    .isEqualTo("NO \"Authentication failed\"");
            c.login();

            String script = "require \"fileinto\";\r\nif header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }\r\n";
            assertThat(c.last("PUTSCRIPT \"lists\" " + literal(script))).isEqualTo("OK \"Putscript completed\"");
            assertThat(c.last("PUTSCRIPT \"other\" \"keep;\"")).isEqualTo("OK \"Putscript completed\"");
            assertThat(c.send("LISTSCRIPTS")).containsExactly("\"lists\"", "\"other\"", "OK \"Listscripts completed\"");
            assertThat(c.last("SETACTIVE \"nope\"")).isEqualTo("NO (NONEXISTENT) \"No script nope\"");
            assertThat(c.last("SETACTIVE \"lists\"")).isEqualTo("OK \"Setactive completed\"");
            assertThat(c.send("LISTSCRIPTS")).containsExactly("\"lists\" ACTIVE", "\"other\"", "OK \"Listscripts completed\"");
            assertThat(c.send("GETSCRIPT \"lists\"")).containsExactly("{" + script.length() + "}",
                    "require \"fileinto\";", "if header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }", "", "OK \"Getscript completed\"");
            assertThat(c.last("DELETESCRIPT \"lists\"")).isEqualTo("NO (ACTIVE) \"Deactivate the script before deleting it\"");
            assertThat(c.last("RENAMESCRIPT \"lists\" \"other\"")).isEqualTo("NO (ALREADYEXISTS) \"A script other exists\"");
            assertThat(c.last("RENAMESCRIPT \"lists\" \"mine\"")).isEqualTo("OK \"Renamescript completed\"");
            assertThat(c.send("LISTSCRIPTS")).containsExactly("\"mine\" ACTIVE", "\"other\"", "OK \"Listscripts completed\"");
            assertThat(c.last("DELETESCRIPT \"other\"")).isEqualTo("OK \"Deletescript completed\"");
            assertThat(c.last("DELETESCRIPT \"other\"")).isEqualTo("NO (NONEXISTENT) \"No script other\"");
            assertThat(c.last("SETACTIVE \"\"")).isEqualTo("OK \"No script is active\"");
            assertThat(c.last("NOOP \"tag1\"")).isEqualTo("OK (TAG \"tag1\") \"Done\"");
            assertThat(c.last("LOGOUT")).isEqualTo("OK \"Logout completed\"");
        }
        assertThat(new SieveScripts(store).list(alice.id())).extracting(SieveScripts.Script::name).containsExactly("mine");
    }

    @Test
    void badScriptsAreRefusedWithTheLineAndNothingIsStored() throws IOException {
        try (Client c = new Client()) {
            c.response();
            c.login();
            assertThat(c.last("CHECKSCRIPT " + literal("keep;\r\nfileinto \"x\";\r\n")))
                    .isEqualTo("NO \"line 2: fileinto needs require \\\"fileinto\\\"\"");
            assertThat(c.last("CHECKSCRIPT \"keep;\"")).isEqualTo("OK \"Script is valid\"");
            assertThat(c.last("PUTSCRIPT \"bad\" \"frobnicate;\"")).isEqualTo("NO \"line 1: unknown command frobnicate\"");
            assertThat(c.last("PUTSCRIPT \"\" \"keep;\"")).isEqualTo("NO \"Invalid script name\"");
            assertThat(c.last("HAVESPACE \"x\" 5000")).isEqualTo("NO (QUOTA/MAXSIZE) \"Scripts are limited to 2048 octets\"");
            for (String n : List.of("a", "b", "c")) assertThat(c.last("PUTSCRIPT \"" + n + "\" \"keep;\"")).startsWith("OK");
            assertThat(c.last("HAVESPACE \"d\" 10")).isEqualTo("NO (QUOTA/MAXSCRIPTS) \"At most 3 scripts\"");
            assertThat(c.last("PUTSCRIPT \"d\" \"keep;\"")).isEqualTo("NO (QUOTA/MAXSCRIPTS) \"At most 3 scripts\"");
            assertThat(c.last("HAVESPACE \"a\" 10")).as("replacing one needs no new slot").isEqualTo("OK \"Putscript would succeed\"");
            assertThat(c.last("BOGUS")).isEqualTo("NO \"Unknown command BOGUS\"");
            // a literal over the limit is refused before it is read, and the session ends
            assertThat(c.send("PUTSCRIPT \"big\" {100000+}")).containsExactly("BYE \"(QUOTA/MAXSIZE) Literal larger than 2048 octets\"");
            assertThat(c.in.readLine()).isNull();
        }
        assertThat(new SieveScripts(store).list(alice.id())).extracting(SieveScripts.Script::name).containsExactly("a", "b", "c");
    }

    @Test
    void scriptsSurviveARestart() throws IOException {
        new SieveScripts(store).put(alice.id(), "kept", "keep;");
        new SieveScripts(store).activate(alice.id(), "kept");
        server.close();
        store.close();
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir.resolve("data")));
        server = start(c -> { });
        try (Client c = new Client()) {
            c.response();
            c.login();
            assertThat(c.send("LISTSCRIPTS")).containsExactly("\"kept\" ACTIVE", "OK \"Listscripts completed\"");
        }
    }

    @Test
    void sieveConnectFromDebianManagesScriptsOverStartTls() throws Exception {
        Path script = Files.writeString(dataDir.resolve("vacation.sieve"),
                "require [\"vacation\"];\nvacation :days 7 \"Away until Monday.\";\n");
        Path broken = Files.writeString(dataDir.resolve("broken.sieve"), "require [\"fileinto\"];\nfrobnicate;\n");
        assertThat(sieveConnect("--upload", "--localsieve", script.toString(), "--remotesieve", "away").exit()).isZero();
        assertThat(sieveConnect("--activate", "--remotesieve", "away").exit()).isZero();
        Result list = sieveConnect("--list");
        assertThat(list.exit()).isZero();
        assertThat(list.output()).contains("away");
        assertThat(new SieveScripts(store).active(alice.id())).get().extracting(SieveScripts.Script::name).isEqualTo("away");
        Result check = sieveConnect("--checkscript", "--localsieve", broken.toString());
        assertThat(check.exit()).isNotZero();
        assertThat(check.output()).contains("unknown command frobnicate");
        Path back = dataDir.resolve("downloaded.sieve");
        assertThat(sieveConnect("--download", "--remotesieve", "away", "--localsieve", back.toString()).exit()).isZero();
        assertThat(Files.readString(back)).isEqualTo(Files.readString(script));
    }

    record Result(int exit, String output) { }

    Result sieveConnect(String... args) throws Exception {
        InetSocketAddress a = server.boundAddresses().getFirst();
        List<String> command = new ArrayList<>(List.of("sieve-connect", "--server", "127.0.0.1", "--port", Integer.toString(a.getPort()),
                "--user", "alice@example.com", "--authmech", "PLAIN", "--notlsverify", "--passwordfd", "0"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("sieve-connect finished").isTrue();
        return new Result(p.exitValue(), output);
    }
}
