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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain's shared account as an administrator sets it up on a running node with the CLI
 * (which goes through the admin API): {@code sales@example.org} marked shared, its INBOX
 * readable by every account of example.org and writable by alice. Mail delivered over SMTP to
 * sales@ is read over IMAP by bob under {@code #shared/}; carol of other.org sees nothing of
 * it; what alice puts into it is charged to sales@'s quota, not hers (RFC 9208 QUOTA).
 */
class SharedAccountEndToEndTest {
    @TempDir
    Path data;

    private static final String SHARED_INBOX = "#shared/sales@example.org/INBOX";

    @Test
    void aSharedAccountOfADomainIsReadByItsUsersOnlyAndChargedToItself() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            admin("domain", "add", "example.org");
            admin("domain", "add", "other.org");
            admin("user", "add", "sales@example.org", "--password", "password-sales", "--quota", "10M");
            admin("user", "add", "alice@example.org", "--password", "password-alice", "--quota", "10M");
            admin("user", "add", "bob@example.org", "--password", "password-bob");
            admin("user", "add", "carol@other.org", "--password", "password-carol");

            assertThat(admin("user", "share", "sales@example.org", "--on")).contains("sales@example.org is a shared account of its domain");
            admin("user", "grant", "sales@example.org", "anyone@example.org", "lrs");
            assertThat(admin("user", "grant", "sales@example.org", "alice@example.org", "lrsi", "--mailbox", "INBOX"))
                    .contains("INBOX: alice@example.org lrsi").contains("INBOX: anyone@example.org lrs");

            try (Client smtp = new Client(server.smtpAddresses().getFirst())) {
                assertThat(smtp.line()).startsWith("220 ");
                smtp.smtp("EHLO client.example");
                assertThat(smtp.smtp("MAIL FROM:<customer@elsewhere.example>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("RCPT TO:<sales@example.org>").getLast()).startsWith("250 ");
                assertThat(smtp.smtp("DATA").getLast()).startsWith("354 ");
                assertThat(smtp.smtp("From: customer@elsewhere.example\r\nTo: sales@example.org\r\nSubject: a quote, please\r\n\r\n"
                        + "Ten crates.\r\n.").getLast()).startsWith("250 ");
                smtp.smtp("QUIT");
            }

            InetSocketAddress imap = server.imapAddresses().getFirst();
            try (Client bob = new Client(imap)) {
                bob.line();
                assertThat(bob.command("b1 LOGIN bob@example.org password-bob").getLast()).startsWith("b1 OK");
                assertThat(bob.command("b2 LIST \"\" \"#shared/*\"")).contains("* LIST (\\HasNoChildren) \"/\" " + SHARED_INBOX);
                List<String> select = bob.command("b3 SELECT \"" + SHARED_INBOX + "\"");
                assertThat(select).contains("* 1 EXISTS");
                assertThat(select.getLast()).as("lrs: s lets bob keep \\Seen, so not READ-ONLY").startsWith("b3 OK [READ-WRITE]");
                List<String> fetch = bob.command("b4 FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)] BODY[TEXT])");
                assertThat(String.join("\n", fetch)).contains("Subject: a quote, please").contains("Ten crates.");
                assertThat(bob.command("b5 MYRIGHTS \"" + SHARED_INBOX + "\"")).contains("* MYRIGHTS " + SHARED_INBOX + " lrs");
                assertThat(bob.command("b6 APPEND \"" + SHARED_INBOX + "\" {5+}\r\nhello").getLast()).as("no i for bob")
                        .startsWith("b6 NO [NOPERM]");
            }

            try (Client carol = new Client(imap)) {
                carol.line();
                assertThat(carol.command("c1 LOGIN carol@other.org password-carol").getLast()).startsWith("c1 OK");
                assertThat(carol.command("c2 LIST \"\" \"*\"")).noneMatch(l -> l.contains("sales"));
                assertThat(carol.command("c3 SELECT \"" + SHARED_INBOX + "\"").getLast()).startsWith("c3 NO [NONEXISTENT]");
                assertThat(carol.command("c4 STATUS \"" + SHARED_INBOX + "\" (MESSAGES)").getLast()).startsWith("c4 NO");
            }

            try (Client alice = new Client(imap)) {
                alice.line();
                assertThat(alice.command("a1 LOGIN alice@example.org password-alice").getLast()).startsWith("a1 OK");
                long salesBefore = storageUsed(alice.command("a2 GETQUOTAROOT \"" + SHARED_INBOX + "\""));
                long aliceBefore = storageUsed(alice.command("a3 GETQUOTAROOT INBOX"));
                String big = "From: alice@example.org\r\nSubject: price list\r\n\r\n" + "0123456789abcdef\r\n".repeat(3000);
                byte[] bytes = big.getBytes(StandardCharsets.US_ASCII);
                alice.send("a4 APPEND \"" + SHARED_INBOX + "\" {" + bytes.length + "+}\r\n");
                alice.sendBytes(bytes);
                assertThat(alice.command("").getLast()).startsWith("a4 OK");
                long salesAfter = storageUsed(alice.command("a5 GETQUOTAROOT \"" + SHARED_INBOX + "\""));
                long aliceAfter = storageUsed(alice.command("a6 GETQUOTAROOT INBOX"));
                assertThat(salesAfter - salesBefore).as("KiB charged to sales@ for a %d-byte message", bytes.length)
                        .isBetween(bytes.length / 1024L - 1, bytes.length / 1024L + 2);
                assertThat(aliceAfter).as("nothing charged to alice").isEqualTo(aliceBefore);
            }

            assertThat(admin("user", "share", "sales@example.org", "--off")).contains("sales@example.org is not a shared account");
            try (Client bob = new Client(imap)) {
                bob.line();
                bob.command("d1 LOGIN bob@example.org password-bob");
                assertThat(bob.command("d2 LIST \"\" \"*\"")).as("unmarked: its INBOX is another user's, under #user/")
                        .contains("* LIST (\\HasNoChildren) \"/\" #user/sales@example.org/INBOX");
            }
        }
    }

    /**
     * The same shared account over JMAP on the running node: alice (lrswi on its INBOX) reaches it
     * as a JMAP account of her session, finds the delivered message with Email/query and flags it
     * with Email/set; sales@ itself sees the flag over IMAP. bob (anyone@: lrs) may mark it seen
     * but not flag it (forbidden), and carol of another domain does not reach the account.
     */
    @Test
    void aFlagSetOverJmapOnTheSharedAccountShowsOverImapForTheOwner() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            admin("domain", "add", "example.org");
            admin("domain", "add", "other.org");
            admin("user", "add", "sales@example.org", "--password", "password-sales");
            admin("user", "add", "alice@example.org", "--password", "password-alice");
            admin("user", "add", "bob@example.org", "--password", "password-bob");
            admin("user", "add", "carol@other.org", "--password", "password-carol");
            admin("user", "share", "sales@example.org", "--on");
            admin("user", "grant", "sales@example.org", "anyone@example.org", "lrs");
            admin("user", "grant", "sales@example.org", "alice@example.org", "lrswi", "--mailbox", "INBOX");
            try (Client smtp = new Client(server.smtpAddresses().getFirst())) {
                smtp.line();
                smtp.smtp("EHLO client.example");
                smtp.smtp("MAIL FROM:<customer@elsewhere.example>");
                smtp.smtp("RCPT TO:<sales@example.org>");
                smtp.smtp("DATA");
                assertThat(smtp.smtp("From: customer@elsewhere.example\r\nTo: sales@example.org\r\nSubject: urgent order\r\n\r\n"
                        + "Today, please.\r\n.").getLast()).startsWith("250 ");
                smtp.smtp("QUIT");
            }
            String base = "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
            com.fasterxml.jackson.databind.JsonNode session = jmap(base, "alice@example.org", "password-alice", "GET", "/jmap/session", null);
            String shared = null;
            for (var e : session.path("accounts").properties()) {
                if (e.getValue().path("name").asText().equals("sales@example.org")) shared = e.getKey();
            }
            assertThat(shared).as(session.toString()).isNotNull();
            assertThat(session.path("accounts").path(shared).path("isPersonal").asBoolean(true)).isFalse();
            com.fasterxml.jackson.databind.JsonNode q = jmap(base, "alice@example.org", "password-alice", "POST", "/jmap/api",
                    calls("[[\"Email/query\",{\"accountId\":\"" + shared + "\",\"filter\":{\"subject\":\"urgent\"}},\"q\"]]"));
            String id = q.path("methodResponses").get(0).get(1).path("ids").get(0).asText();
            com.fasterxml.jackson.databind.JsonNode set = jmap(base, "alice@example.org", "password-alice", "POST", "/jmap/api",
                    calls("[[\"Email/set\",{\"accountId\":\"" + shared + "\",\"update\":{\"" + id + "\":{\"keywords/$flagged\":true}}},\"s\"]]"));
            assertThat(set.path("methodResponses").get(0).get(1).path("updated").has(id)).as(set.toString()).isTrue();
            com.fasterxml.jackson.databind.JsonNode bob = jmap(base, "bob@example.org", "password-bob", "POST", "/jmap/api",
                    calls("[[\"Email/set\",{\"accountId\":\"" + shared + "\",\"update\":{\"" + id + "\":{\"keywords/$answered\":true}}},\"s\"],"
                            + "[\"Email/set\",{\"accountId\":\"" + shared + "\",\"update\":{\"" + id + "\":{\"keywords/$seen\":true}}},\"t\"]]"));
            assertThat(bob.path("methodResponses").get(0).get(1).path("notUpdated").path(id).path("type").asText()).as(bob.toString()).isEqualTo("forbidden");
            assertThat(bob.path("methodResponses").get(1).get(1).path("updated").has(id)).as(bob.toString()).isTrue();
            com.fasterxml.jackson.databind.JsonNode carol = jmap(base, "carol@other.org", "password-carol", "POST", "/jmap/api",
                    calls("[[\"Email/query\",{\"accountId\":\"" + shared + "\"},\"q\"]]"));
            assertThat(carol.path("methodResponses").get(0).get(1).path("type").asText()).isEqualTo("accountNotFound");

            try (Client owner = new Client(server.imapAddresses().getFirst())) {
                owner.line();
                assertThat(owner.command("o1 LOGIN sales@example.org password-sales").getLast()).startsWith("o1 OK");
                owner.command("o2 SELECT INBOX");
                String flags = String.join("\n", owner.command("o3 FETCH 1 (FLAGS)"));
                assertThat(flags).contains("\\Flagged").contains("\\Seen").doesNotContain("\\Answered");
            }
        }
    }

    private static String calls(String methodCalls) {
        return "{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":" + methodCalls + "}";
    }

    /** One JMAP HTTP exchange as {@code user} (Basic, allowed from loopback), its JSON answer. */
    private static com.fasterxml.jackson.databind.JsonNode jmap(String base, String user, String password, String method, String path, String body)
            throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .timeout(java.time.Duration.ofSeconds(30));
        if (body != null) request.header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            var r = http.send(request.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        }
    }

    private String admin(String... args) {
        List<String> full = new ArrayList<>(List.of("admin", "--data", data.toString()));
        full.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(full.toArray(String[]::new));
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    /** The STORAGE usage (KiB) of the QUOTA line of a GETQUOTAROOT answer. */
    private static long storageUsed(List<String> answer) {
        Pattern p = Pattern.compile("^\\* QUOTA \\S+ \\(.*STORAGE (\\d+) \\d+.*\\)$");
        for (String l : answer) {
            Matcher m = p.matcher(l);
            if (m.matches()) return Long.parseLong(m.group(1));
        }
        throw new AssertionError("no STORAGE in " + answer);
    }

    /** A line client for IMAP and SMTP. */
    private static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(InetSocketAddress address) throws IOException {
            socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(30_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void sendBytes(byte[] b) throws IOException {
            out.write(b);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
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

        /**
         * Sends an IMAP command line (an empty one sends nothing) and reads up to its tagged reply;
         * a response with literals is one element, each literal's octets in place.
         */
        List<String> command(String line) throws IOException {
            if (!line.isEmpty()) send(line + "\r\n");
            List<String> lines = new ArrayList<>();
            Pattern literal = Pattern.compile("\\{(\\d+)}$");
            while (true) {
                StringBuilder response = new StringBuilder(line());
                Matcher m;
                while ((m = literal.matcher(response)).find()) {
                    response.append("\n").append(new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8))
                            .append(line());
                }
                String l = response.toString();
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
