package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.BufferedReader;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local recipient's Sieve script decides what becomes of mail a user sends over JMAP
 * (EmailSubmission/set) as it does for mail over SMTP: every mailbox it files into gets its copy,
 * and a discard stores nothing while the submission still succeeds; checked over IMAP.
 */
class SieveJmapSubmissionEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USING = "[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\",\"urn:ietf:params:jmap:submission\"]";
    private static final String ALICE = "alice@sieve.example";
    private static final String BOB = "bob@sieve.example";

    @TempDir
    Path data;
    TwinmailServer server;
    HttpClient http;

    @BeforeEach
    void start() throws Exception {
        server = TwinmailServer.start(TestConfigs.loopback(data));
        String d = data.toString();
        assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "sieve.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", d, "user", "add", ALICE, "--password", "password-alice").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", d, "user", "add", BOB, "--password", "password-bob").exit()).isZero();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyMailboxTheRecipientsScriptFilesIntoGetsItsCopy() throws Exception {
        Store bob = imap(BOB, "password-bob");
        try {
            for (String f : new String[] {"A", "B"}) assertThat(bob.getFolder(f).create(Folder.HOLDS_MESSAGES)).isTrue();
            upload(BOB, "password-bob", "require [\"fileinto\", \"copy\"];\nfileinto :copy \"A\";\nfileinto :copy \"B\";\n");

            submit("filed twice");

            assertThat(subjects(bob, "A")).containsExactly("filed twice");
            assertThat(subjects(bob, "B")).as("the second fileinto :copy").containsExactly("filed twice");
            assertThat(subjects(bob, "INBOX")).as("the implicit keep").containsExactly("filed twice");
        } finally {
            bob.close();
        }
    }

    @Test
    void aDiscardStoresNothingAndTheSubmissionSucceeds() throws Exception {
        upload(BOB, "password-bob", "discard;\n");

        submit("thrown away");

        Store bob = imap(BOB, "password-bob");
        try {
            assertThat(subjects(bob, "INBOX")).as("discarded by bob's script").isEmpty();
        } finally {
            bob.close();
        }
    }

    /** Alice writes a message to bob (Email/set) and sends it at once (EmailSubmission/set); the submission must be created. */
    private void submit(String subject) throws Exception {
        String account = accountId();
        String drafts = call("[[\"Mailbox/query\",{\"accountId\":\"" + account + "\",\"filter\":{\"role\":\"drafts\"}},\"m\"]]")
                .get(0).get(1).path("ids").get(0).asText();
        String identity = call("[[\"Identity/get\",{\"accountId\":\"" + account + "\"},\"i\"]]").get(0).get(1).path("list").get(0)
                .path("id").asText();
        JsonNode rs = call("[[\"Email/set\",{\"accountId\":\"" + account + "\",\"create\":{\"d\":{\"mailboxIds\":{\"" + drafts + "\":true},"
                + "\"from\":[{\"email\":\"" + ALICE + "\"}],\"to\":[{\"email\":\"" + BOB + "\"}],\"subject\":\"" + subject + "\","
                + "\"textBody\":[{\"partId\":\"1\"}],\"bodyValues\":{\"1\":{\"value\":\"hello bob\"}}}}},\"e\"],"
                + "[\"EmailSubmission/set\",{\"accountId\":\"" + account + "\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\","
                + "\"emailId\":\"#d\",\"envelope\":{\"mailFrom\":{\"email\":\"" + ALICE + "\"},\"rcptTo\":[{\"email\":\"" + BOB + "\"}]}}}},\"s\"]]");
        JsonNode submission = rs.get(1).get(1);
        assertThat(submission.path("notCreated").isMissingNode() || submission.path("notCreated").isEmpty()).as(rs.toString()).isTrue();
        assertThat(submission.path("created").path("s").path("id").asText()).as(rs.toString()).isNotEmpty();
    }

    /** Alice's account id from her JMAP session. */
    private String accountId() throws Exception {
        HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base() + "/jmap/session")).header("Authorization", auth()).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(s.body()).path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText();
    }

    private JsonNode call(String calls) throws Exception {
        String body = "{\"using\":" + USING + ",\"methodCalls\":" + calls + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/jmap/api")).header("Authorization", auth())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("methodResponses");
    }

    private String base() {
        return "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
    }

    private static String auth() {
        return "Basic " + Base64.getEncoder().encodeToString((ALICE + ":password-alice").getBytes(StandardCharsets.UTF_8));
    }

    private Store imap(String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        p.put("mail.imap.timeout", "20000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(user, password);
        return store;
    }

    private static List<String> subjects(Store store, String folder) throws Exception {
        Folder f = store.getFolder(folder);
        f.open(Folder.READ_ONLY);
        try {
            List<String> out = new ArrayList<>();
            for (Message m : f.getMessages()) out.add(m.getSubject());
            return out;
        } finally {
            f.close(false);
        }
    }

    /** PUTSCRIPT and SETACTIVE over ManageSieve (PLAIN is allowed on loopback). */
    private void upload(String user, String password, String text) throws Exception {
        InetSocketAddress address = server.managesieveAddresses().getFirst();
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            assertThat(response(in)).startsWith("OK");
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
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
