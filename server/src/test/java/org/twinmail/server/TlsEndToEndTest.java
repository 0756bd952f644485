package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.config.TwinmailConfig.PlaintextAuth;

/**
 * Every TLS port of a whole node driven by independent clients: {@code openssl s_client}
 * (Debian's openssl) with STARTTLS for SMTP/POP3 and implicit TLS elsewhere, Python's
 * smtplib/poplib, and a certificate reload (admin CLI and changed files) seen by new connections.
 */
class TlsEndToEndTest {
    @TempDir
    Path data;

    record Run(int exit, String out) { }

    static Run run(List<String> cmd, String stdin) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        return new Run(p.exitValue(), out);
    }

    /** openssl s_client to {@code port}; {@code starttls} is smtp, pop3 or null for implicit TLS. */
    static Run sClient(InetSocketAddress at, String starttls, String input) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + at.getPort(),
                "-servername", "mx.test.example", "-brief", "-crlf", "-ign_eof")); // read until the server closes
        if (starttls != null) {
            cmd.add("-starttls");
            cmd.add(starttls);
        }
        return run(cmd, input);
    }

    @Test
    void opensslOnEveryTlsPortAndPythonClients() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.auth.plaintextAuth = PlaintextAuth.NEVER;
        config.http.tlsListen = List.of(org.twinmail.core.config.Listen.parse("127.0.0.1:0"));
        try (TwinmailServer server = TwinmailServer.start(config)) {
            assertThat(Files.exists(data.resolve("tls/selfsigned.fullchain.pem"))).isTrue();
            record Port(String name, InetSocketAddress at, String starttls, String input, String expect) { }
            List<Port> ports = List.of(
                    new Port("smtp", server.smtpAddresses().getFirst(), "smtp", "EHLO openssl.example\nQUIT\n", "221 2.0.0"),
                    new Port("submission", server.submissionAddresses().getFirst(), "smtp", "EHLO openssl.example\nQUIT\n", "AUTH PLAIN LOGIN"),
                    new Port("submissions", server.submissionsAddresses().getFirst(), null, "EHLO openssl.example\nQUIT\n", "220 mx.test.example"),
                    new Port("pop3", server.pop3Addresses().getFirst(), "pop3", "CAPA\nQUIT\n", "SASL PLAIN LOGIN"),
                    new Port("pop3s", server.pop3sAddresses().getFirst(), null, "CAPA\nQUIT\n", "+OK TwinMail POP3 ready"),
                    new Port("https", server.httpsAddresses().getFirst(), null,
                            "GET /health HTTP/1.1\nHost: mx.test.example\nConnection: close\n\n", "HTTP/1.1 200"));
            for (Port p : ports) {
                Run r = sClient(p.at(), p.starttls(), p.input());
                assertThat(r.out()).as(p.name() + ": " + r.out()).contains("Protocol version: TLSv1.3").contains(p.expect());
            }
            // Only TLS 1.2 and 1.3: a client limited to TLS 1.2 is served, with an AEAD suite.
            Run tls12 = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.submissionsAddresses().getFirst().getPort(),
                    "-brief", "-tls1_2", "-crlf", "-ign_eof"), "QUIT\n");
            assertThat(tls12.out()).contains("Protocol version: TLSv1.2").containsPattern("Ciphersuite: ECDHE-ECDSA-(AES\\d+-GCM|CHACHA20)");

            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "py.example").exit()).isZero();
            for (String u : List.of("ann", "ben", "cat")) {
                assertThat(CliRunner.run("admin", "--data", d, "user", "add", u + "@py.example", "--password", "password-py").exit()).isZero();
            }
            Run py = run(List.of("python3", "src/test/python/tls_clients.py",
                    port(server.submissionAddresses()), port(server.submissionsAddresses()),
                    port(server.pop3Addresses()), port(server.pop3sAddresses()),
                    "ann@py.example", "password-py", "ben@py.example", "cat@py.example"), "");
            assertThat(py.exit()).as(py.out()).isZero();
            assertThat(py.out()).contains("ok: no AUTH before STARTTLS", "ok: AUTH before STARTTLS 538",
                    "ok: submission starttls sent", "ok: wrong password 535", "ok: spoofed sender 553",
                    "ok: submissions sent", "ok: poplib stls retrieved 2", "ok: poplib POP3_SSL");
        }
    }

    @Test
    void certificateReloadIsSeenByNewConnections() throws Exception {
        Path certs = Files.createDirectories(data.resolve("certs"));
        Path cert = certs.resolve("mx.crt");
        Path key = certs.resolve("mx.key");
        makeCertificate(cert, key, "rsa:2048");
        TwinmailConfig config = TestConfigs.loopback(data.resolve("node"));
        config.tls.certificates = List.of(new TwinmailConfig.CertificateFiles(cert.toString(), key.toString()));
        config.tls.reloadCheckInterval = Duration.ofMillis(200);
        config.http.tlsListen = List.of(org.twinmail.core.config.Listen.parse("127.0.0.1:0"));
        try (TwinmailServer server = TwinmailServer.start(config)) {
            InetSocketAddress smtps = server.submissionsAddresses().getFirst();
            InetSocketAddress https = server.httpsAddresses().getFirst();
            BigInteger first = serial(smtps);
            assertThat(serial(https)).as("HTTPS serves the mail ports' certificate").isEqualTo(first);
            assertThat(Files.exists(data.resolve("node/tls"))).as("no self-signed certificate when one is configured").isFalse();

            // 1. The files change (a renewal written elsewhere, then moved in): picked up without a command.
            Path staged = Files.createDirectories(data.resolve("staged"));
            makeCertificate(staged.resolve("mx.crt"), staged.resolve("mx.key"), "ec");
            Files.move(staged.resolve("mx.key"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged.resolve("mx.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
            BigInteger second = awaitNewSerial(smtps, first);
            assertThat(second).isNotEqualTo(first);
            assertThat(serial(https)).as("a new HTTPS connection sees the reload").isEqualTo(second);

            // 2. `twinmail admin tls reload` after a change (checking disabled by a long interval is not
            //    needed: the command is simply immediate).
            makeCertificate(staged.resolve("mx.crt"), staged.resolve("mx.key"), "rsa:2048");
            Files.move(staged.resolve("mx.key"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged.resolve("mx.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
            CliRunner.Result r = CliRunner.run("admin", "--data", data.resolve("node").toString(), "tls", "reload");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("serving mx.test.example (RSA");
            BigInteger third = serial(smtps);
            assertThat(third).isNotIn(first, second);
            assertThat(serial(https)).isEqualTo(third);
        }
    }

    private static String port(List<InetSocketAddress> a) {
        return String.valueOf(a.getFirst().getPort());
    }

    private static void makeCertificate(Path cert, Path key, String type) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509", "-nodes", "-days", "2",
                "-subj", "/CN=mx.test.example", "-addext", "subjectAltName=DNS:mx.test.example",
                "-keyout", key.toString(), "-out", cert.toString()));
        if (type.equals("ec")) cmd.addAll(List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        else cmd.addAll(List.of("-newkey", type));
        Run r = run(cmd, "");
        assertThat(r.exit()).as(r.out()).isZero();
    }

    /** The serial number of the certificate a new openssl connection is given. */
    private static BigInteger serial(InetSocketAddress at) throws Exception {
        Run r = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + at.getPort(), "-servername", "mx.test.example",
                "-showcerts", "-crlf", "-ign_eof"), "QUIT\n");
        int begin = r.out().indexOf("-----BEGIN CERTIFICATE-----");
        int end = r.out().indexOf("-----END CERTIFICATE-----");
        assertThat(begin).as(r.out()).isNotNegative();
        String pem = r.out().substring(begin, end + "-----END CERTIFICATE-----".length());
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        return c.getSerialNumber();
    }

    private static BigInteger awaitNewSerial(InetSocketAddress at, BigInteger old) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            BigInteger now = serial(at);
            if (!now.equals(old)) return now;
            if (System.nanoTime() > deadline) throw new AssertionError("certificate not reloaded within 20 s");
            Thread.sleep(200);
        }
    }
}
