package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.Dnsmasq;

/**
 * Redirects with the Sender Rewriting Scheme between two servers on loopback, each with its
 * own name, and the DNS of a real dnsmasq ({@link Dnsmasq}, Debian's dnsmasq-base) serving the
 * domains' MX and SPF records on a loopback address of its own: "ours" (one.example) forwards, "theirs"
 * (remote.example, orig.example) receives with SPF checked and SPF failures refused. Checked
 * over IMAP at the receiving server.
 */
class ForwardingEndToEndTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private TwinmailServer ours;
    private TwinmailServer theirs;
    private Path oursData;
    private Path theirsData;
    private Dnsmasq dns;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : resources.reversed()) c.close();
    }

    /**
     * Two servers whose relays deliver to each other's MX port; the DNS, a real dnsmasq on a
     * loopback address of its own ({@link Dnsmasq}), names both MX hosts 127.0.0.1.
     */
    private void startPair() throws Exception {
        dns = Dnsmasq.builder(dir.resolve("dns"))
                .mx("one.example", 10, "mx.one.example").a("mx.one.example", "127.0.0.1")
                .mx("remote.example", 10, "mx.remote.example").mx("orig.example", 10, "mx.remote.example")
                .a("mx.remote.example", "127.0.0.1")
                // the forwarding domain's SPF names us; the original sender's names a host elsewhere
                .txt("one.example", "v=spf1 ip4:127.0.0.1 -all")
                .txt("orig.example", "v=spf1 ip4:192.0.2.1 -all")
                .start();
        resources.add(dns);
        int oursPort = freePort();
        int theirsPort = freePort();
        oursData = dir.resolve("ours");
        theirsData = dir.resolve("theirs");
        TwinmailConfig a = TestConfigs.loopback(oursData);
        a.hostname = "mx.one.example";
        a.smtp.listen = List.of(Listen.parse("127.0.0.1:" + oursPort));
        a.relay.dns.servers = List.of(dns.hostPort());
        a.relay.port = theirsPort;
        TwinmailConfig b = TestConfigs.loopback(theirsData);
        b.hostname = "mx.remote.example";
        b.smtp.listen = List.of(Listen.parse("127.0.0.1:" + theirsPort));
        b.relay.dns.servers = List.of(dns.hostPort());
        b.relay.port = oursPort;
        b.filter.authentication.enabled = true;
        b.filter.authentication.spfRejectFail = true;
        theirs = TwinmailServer.start(b);
        resources.add(theirs);
        ours = TwinmailServer.start(a);
        resources.add(ours);
        admin(oursData, "domain", "add", "one.example");
        admin(theirsData, "domain", "add", "remote.example");
        admin(theirsData, "domain", "add", "orig.example");
        admin(theirsData, "user", "add", "bob@remote.example", "--password", "password-bob");
        admin(theirsData, "user", "add", "someone@orig.example", "--password", "password-someone");
    }

    @Test
    void aRedirectPassesSpfAtTheTargetAndABounceToItsSrsAddressReachesTheOriginalSender() throws Exception {
        startPair();
        admin(oursData, "user", "add", "fwd@one.example", "--password", "password-fwd");
        upload(ours, "fwd@one.example", "password-fwd", "redirect \"bob@remote.example\";\n");

        // the receiver's SPF check reads dnsmasq's records: the original sender's own SPF does not name us, so
        // the message straight from here fails there...
        try (Smtp s = Smtp.open(theirs)) {
            s.expect("220");
            s.send("EHLO client.orig.example").expect("250");
            assertThat(s.send("MAIL FROM:<someone@orig.example>").expect("550")).contains("SPF");
            s.send("QUIT");
        }
        // ...while forwarded with our SRS address, it passes
        send(ours, "someone@orig.example", "fwd@one.example", "forward me");
        Message got = awaitOne(theirs, "bob@remote.example", "password-bob", "forward me");
        String returnPath = got.getHeader("Return-Path")[0];
        assertThat(returnPath).as("the envelope sender is rewritten into our domain").matches("<SRS0=[^=]{4}=[A-Z2-7]{2}=orig\\.example=someone@one\\.example>");
        assertThat(String.join("\n", got.getHeader("Authentication-Results")))
                .as("SPF passes at the target: its DNS names us for one.example")
                .contains("spf=pass").contains("smtp.mailfrom=" + returnPath.substring(1, returnPath.length() - 1));
        assertThat(got.getHeader("Delivered-To")).containsExactly("fwd@one.example");
        assertThat(subjects(ours, "fwd@one.example", "password-fwd")).as("redirect without :copy keeps no copy").isEmpty();

        // The target bounces to the SRS address: our MX reverses it and relays it to the original sender.
        String srs = returnPath.substring(1, returnPath.length() - 1);
        try (Smtp s = Smtp.open(ours)) {
            s.expect("220");
            s.send("EHLO mx.remote.example").expect("250");
            s.send("MAIL FROM:<>").expect("250");
            s.send("RCPT TO:<" + srs + ">").expect("250");
            s.send("DATA").expect("354");
            s.send("From: MAILER-DAEMON@mx.remote.example\r\nTo: " + srs + "\r\nSubject: Undelivered: forward me\r\n"
                    + "Auto-Submitted: auto-replied\r\n\r\nThe mailbox is full.\r\n.").expect("250");
            // a made-up SRS address is refused: no open relay through them
            s.send("MAIL FROM:<>").expect("250");
            s.send("RCPT TO:<SRS0=AAAA=" + srs.split("=")[2] + "=orig.example=victim@one.example>").expect("550");
            s.send("QUIT");
        }
        Message bounce = awaitOne(theirs, "someone@orig.example", "password-someone", "Undelivered: forward me");
        assertThat(bounce.getHeader("Return-Path")).containsExactly("<>");
        assertThat(dns.log()).as("the SPF records came from dnsmasq").contains("query[TXT] one.example", "query[TXT] orig.example")
                .contains("query[MX] orig.example");
    }

    @Test
    void anAccountsForwardingSetThroughTheCliSendsWithSrsAndKeepsACopyOrNot() throws Exception {
        startPair();
        admin(oursData, "user", "add", "away@one.example", "--password", "password-away");
        admin(oursData, "user", "add", "keeper@one.example", "--password", "password-keeper");
        CliRunner.Result set = CliRunner.run("admin", "--data", oursData.toString(), "user", "forward", "away@one.example",
                "--to", "bob@remote.example", "--no-copy");
        assertThat(set.out()).contains("away@one.example forwarded to bob@remote.example, no copy kept");
        admin(oursData, "user", "forward", "keeper@one.example", "--to", "bob@remote.example");

        send(ours, "someone@orig.example", "away@one.example", "gone fishing");
        send(ours, "someone@orig.example", "keeper@one.example", "keep one");
        Message forwarded = awaitOne(theirs, "bob@remote.example", "password-bob", "gone fishing");
        assertThat(forwarded.getHeader("Return-Path")[0]).startsWith("<SRS0=").endsWith("@one.example>");
        assertThat(String.join("\n", forwarded.getHeader("Authentication-Results"))).contains("spf=pass");
        awaitOne(theirs, "bob@remote.example", "password-bob", "keep one");
        assertThat(subjects(ours, "away@one.example", "password-away")).as("no copy kept").isEmpty();
        assertThat(subjects(ours, "keeper@one.example", "password-keeper")).as("a copy kept").containsExactly("keep one");

        admin(oursData, "user", "forward", "away@one.example", "--off");
        send(ours, "someone@orig.example", "away@one.example", "back home");
        assertThat(subjects(ours, "away@one.example", "password-away")).containsExactly("back home");
    }

    /** An alias whose targets include a remote address (refused before): forwarded there with SRS, the local target keeps its copy. */
    @Test
    void anAliasWithARemoteTargetForwardsWithSrs() throws Exception {
        startPair();
        admin(oursData, "user", "add", "desk@one.example", "--password", "password-desk");
        CliRunner.Result added = CliRunner.run("admin", "--data", oursData.toString(), "alias", "add", "team@one.example",
                "desk@one.example", "bob@remote.example");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains("alias team@one.example -> desk@one.example, bob@remote.example");
        admin(oursData, "alias", "add", "away@one.example", "bob@remote.example");

        send(ours, "someone@orig.example", "team@one.example", "for the team");
        send(ours, "someone@orig.example", "away@one.example", "only far away");
        Message got = awaitOne(theirs, "bob@remote.example", "password-bob", "for the team");
        String returnPath = got.getHeader("Return-Path")[0];
        assertThat(returnPath).matches("<SRS0=[^=]{4}=[A-Z2-7]{2}=orig\\.example=someone@one\\.example>");
        assertThat(String.join("\n", got.getHeader("Authentication-Results"))).as("SPF passes at the target").contains("spf=pass");
        assertThat(got.getHeader("Delivered-To")).containsExactly("team@one.example");
        Message far = awaitOne(theirs, "bob@remote.example", "password-bob", "only far away");
        assertThat(far.getHeader("Return-Path")[0]).startsWith("<SRS0=").endsWith("@one.example>");
        assertThat(subjects(ours, "desk@one.example", "password-desk")).as("the local target keeps its copy").containsExactly("for the team");
    }

    @Test
    void aRedirectLoopBetweenTwoServersStopsInAnInbox() throws Exception {
        startPair();
        admin(oursData, "user", "add", "loop@one.example", "--password", "password-loop");
        admin(theirsData, "user", "add", "ping@remote.example", "--password", "password-ping");
        upload(ours, "loop@one.example", "password-loop", "redirect \"ping@remote.example\";\n");
        upload(theirs, "ping@remote.example", "password-ping", "redirect \"loop@one.example\";\n");

        send(ours, "someone@orig.example", "loop@one.example", "round and round");
        Message back = awaitOne(ours, "loop@one.example", "password-loop", "round and round");
        // it went out for loop@, came back for ping@'s redirect, and stopped: Delivered-To names loop@ already
        assertThat(back.getHeader("Delivered-To")).containsExactly("ping@remote.example", "loop@one.example");
        assertThat(subjects(theirs, "ping@remote.example", "password-ping")).isEmpty();
        // nothing left in either queue: the loop did not go on
        awaitTrue(() -> queueEmpty(oursData) && queueEmpty(theirsData));
        assertThat(subjects(ours, "loop@one.example", "password-loop")).containsExactly("round and round");
    }

    // ---- helpers ----

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void admin(Path data, String... args) {
        List<String> full = new ArrayList<>(List.of("admin", "--data", data.toString()));
        full.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(full.toArray(String[]::new));
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
    }

    private static boolean queueEmpty(Path data) {
        CliRunner.Result r = CliRunner.run("admin", "--data", data.toString(), "queue", "list");
        return r.exit() == 0 && r.out().lines().filter(l -> !l.isBlank()).count() <= 1;
    }

    private static void send(TwinmailServer server, String envelopeFrom, String to, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.from", envelopeFrom);
        p.put("mail.smtp.localhost", "client.orig.example");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        // the From field in a third domain: the receiver's own-domain From check stays out of it
        m.setFrom(new InternetAddress("someone@elsewhere.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("hello\n");
        Transport.send(m);
    }

    private static Store imap(TwinmailServer server, String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(user, password);
        return store;
    }

    private static List<String> subjects(TwinmailServer server, String user, String password) throws Exception {
        Store store = imap(server, user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> out = new ArrayList<>();
            for (Message m : inbox.getMessages()) out.add(m.getSubject());
            inbox.close(false);
            return out;
        } finally {
            store.close();
        }
    }

    /** Waits (bounded) for a message with this subject in the INBOX and returns a copy of it. */
    private static Message awaitOne(TwinmailServer server, String user, String password, String subject) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Store store = imap(server, user, password);
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                for (Message m : inbox.getMessages()) {
                    if (subject.equals(m.getSubject())) {
                        MimeMessage copy = new MimeMessage((MimeMessage) m);
                        inbox.close(false);
                        return copy;
                    }
                }
                inbox.close(false);
            } finally {
                store.close();
            }
            if (System.nanoTime() > deadline) throw new AssertionError(subject + " not in " + user + "'s INBOX within 30 s");
            Thread.sleep(200);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 30 s");
            Thread.sleep(200);
        }
    }

    /** PUTSCRIPT and SETACTIVE over ManageSieve (PLAIN is allowed on loopback). */
    static void upload(TwinmailServer server, String user, String password, String script) throws Exception {
        InetSocketAddress address = server.managesieveAddresses().getFirst();
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            assertThat(response(in)).startsWith("OK");
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
            out.write(("AUTHENTICATE \"PLAIN\" \"" + plain + "\"\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(response(in)).startsWith("OK");
            out.write(("PUTSCRIPT \"rules\" {" + bytes.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
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

    /** A plain SMTP conversation, one command and reply at a time. */
    static final class Smtp implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        private Smtp(Socket socket) throws Exception {
            this.socket = socket;
            socket.setSoTimeout(15_000);
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.out = socket.getOutputStream();
        }

        static Smtp open(TwinmailServer server) throws Exception {
            InetSocketAddress a = server.smtpAddresses().getFirst();
            return new Smtp(new Socket(a.getAddress(), a.getPort()));
        }

        Smtp send(String line) throws Exception {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }

        /** Reads one (possibly multi-line) reply and checks its code. */
        String expect(String code) throws Exception {
            StringBuilder reply = new StringBuilder();
            String line;
            do {
                line = in.readLine();
                if (line == null) throw new AssertionError("connection closed, expected " + code);
                reply.append(line).append('\n');
            } while (line.length() > 3 && line.charAt(3) == '-');
            assertThat(reply.toString()).startsWith(code);
            return reply.toString();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
