package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.relay.queue.Sink;

/**
 * DKIM through the whole server: a key made with {@code twinmail admin dkim generate}, its
 * printed record published in a DNS server the test controls, a message submitted for a remote
 * recipient and relayed to an aiosmtpd sink, and the signature as received checked by dkimpy
 * (Debian python3-dkim), which looks the key up in that DNS server as a receiver would.
 */
class DkimEndToEndTest {
    private static final Pattern RECORD = Pattern.compile("(?m)^(\\S+)\\. IN TXT ((?:\"[^\"]*\" ?)+)$");
    private static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");

    @TempDir
    Path dir;

    private CliRunner.Result admin(Path data, String... args) {
        List<String> full = new ArrayList<>(List.of("admin", "--data", data.toString()));
        full.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(full.toArray(String[]::new));
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    private static void submit(Session s, String from, String password, String subject, String to) throws Exception {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(from));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.addRecipient(Message.RecipientType.CC, new InternetAddress("another@remote.example"));
        m.setSubject(subject);
        m.setText("Hello,\n\nthis   line has  odd spacing \t\nand the message ends in blank lines.\n\n\n");
        Transport.send(m, from, password);
    }

    @Test
    void mailFromADomainWithAKeyArrivesWithASignatureThatVerifies() throws Exception {
        try (Sink sink = Sink.start(dir.resolve("sink")); LocalDnsServer dns = LocalDnsServer.start()) {
            dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
            Path data = dir.resolve("data");
            TwinmailConfig config = TestConfigs.loopback(data);
            config.relay.dns.servers = List.of(dns.hostPort());
            config.relay.port = sink.port;
            try (TwinmailServer server = TwinmailServer.start(config)) {
                admin(data, "domain", "add", "signed.example");
                admin(data, "domain", "add", "plain.example");
                admin(data, "user", "add", "alice@signed.example", "--password", "alice-password");
                admin(data, "user", "add", "bob@plain.example", "--password", "bob-password");
                String out = admin(data, "dkim", "generate", "signed.example").out();
                Matcher record = RECORD.matcher(out);
                assertThat(record.find()).as(out).isTrue();
                assertThat(record.group(1)).isEqualTo("twinmail._domainkey.signed.example");
                List<String> strings = STRING.matcher(record.group(2)).results().map(r -> r.group(1)).toList();
                assertThat(strings).hasSizeGreaterThan(1).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));
                dns.txt(record.group(1), strings.toArray(String[]::new));

                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
                p.put("mail.smtp.auth", "true");
                p.put("mail.smtp.localhost", "client.test.example");
                p.put("mail.smtp.timeout", "20000");
                Session session = Session.getInstance(p);
                submit(session, "alice@signed.example", "alice-password", "signed", "friend@remote.example");
                submit(session, "bob@plain.example", "bob-password", "unsigned", "friend@remote.example");
                sink.await(2);
            }
            Path signed = null, unsigned = null;
            try (Stream<Path> files = Files.list(sink.dir)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".eml")).toList()) {
                    String content = Files.readString(f, StandardCharsets.ISO_8859_1);
                    if (content.contains("Subject: signed")) signed = f;
                    if (content.contains("Subject: unsigned")) unsigned = f;
                }
            }
            assertThat(signed).isNotNull();
            assertThat(unsigned).isNotNull();
            String content = Files.readString(signed, StandardCharsets.ISO_8859_1);
            assertThat(content).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=signed.example;");
            assertThat(Files.readString(unsigned, StandardCharsets.ISO_8859_1)).doesNotContain("DKIM-Signature");

            Process v = new ProcessBuilder("/usr/bin/python3", "../mail/src/test/python/dkim_verify.py",
                    "127.0.0.1", Integer.toString(dns.address().getPort()), signed.toString(), unsigned.toString())
                    .redirectErrorStream(true).start();
            String verdicts = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(v.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(v.exitValue()).as(verdicts).isZero();
            assertThat(verdicts).contains(signed + " pass").contains(unsigned + " fail");
        }
    }
}
