package org.twinmail.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.net.ConnectionListener;

/** Certificates from openssl-made PEM files, SNI choice, reload, the self-signed first start, and the protocol policy. */
class TlsTest {
    @TempDir
    Path dir;

    /** Runs openssl (Debian package) to make a key and self-signed certificate for {@code name}. */
    static Path[] openssl(Path dir, String name, String keyAlgorithm, boolean traditionalKey) throws Exception {
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".crt");
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", keyAlgorithm,
                "-nodes", "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                "-keyout", key.toString(), "-out", cert.toString()));
        if (keyAlgorithm.startsWith("ec")) {
            cmd.set(4, "ec");
            cmd.add(5, "-pkeyopt");
            cmd.add(6, "ec_paramgen_curve:P-256");
        }
        run(cmd);
        if (traditionalKey) {
            String type = keyAlgorithm.startsWith("ec") ? "ec" : "rsa";
            run(List.of("openssl", type, "-in", key.toString(), "-out", key.toString() + ".trad", "-traditional"));
            Files.move(Path.of(key + ".trad"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return new Path[] {cert, key};
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void rsaAndEcdsaFromPemAreChosenBySniAndReloaded() throws Exception {
        Path[] rsa = openssl(dir, "rsa.test.example", "rsa:2048", true);
        Path[] ec = openssl(dir, "ec.test.example", "ec", false);
        try (Tls tls = Tls.of(List.of(rsa, ec), Duration.ofMinutes(1));
             ConnectionListener l = listener(tls)) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            assertThat(peer(at, "rsa.test.example").getSubjectX500Principal().getName()).isEqualTo("CN=rsa.test.example");
            assertThat(peer(at, "ec.test.example").getSubjectX500Principal().getName()).isEqualTo("CN=ec.test.example");
            assertThat(peer(at, "rsa.test.example").getPublicKey().getAlgorithm()).isEqualTo("RSA");
            // unknown name: the first certificate of a type the client accepts
            assertThat(peer(at, "other.example")).isNotNull();

            // The RSA files are replaced (a renewal); the next handshake presents the new certificate.
            Path[] renewed = openssl(dir.resolve("renewed").toFile().mkdirs() ? dir.resolve("renewed") : dir, "rsa.test.example", "rsa:2048", false);
            java.math.BigInteger before = peer(at, "rsa.test.example").getSerialNumber();
            Files.copy(renewed[0], rsa[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed[1], rsa[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(tls.reload().certificates()).hasSize(2);
            assertThat(peer(at, "rsa.test.example").getSerialNumber()).isNotEqualTo(before);
        }
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedAndAFailedReloadKeepsTheOldOnes() throws Exception {
        Path[] a = openssl(dir, "a.test.example", "ec", false);
        Path[] b = openssl(dir, "b.test.example", "ec", false);
        assertThatThrownBy(() -> PemFiles.load(a[0], b[1])).isInstanceOf(PemFiles.PemException.class)
                .hasMessageContaining("does not belong");
        try (Tls tls = Tls.of(List.<Path[]>of(a), Duration.ofMinutes(1))) {
            Files.writeString(a[1], "garbage\n");
            assertThatThrownBy(tls::reload).isInstanceOf(PemFiles.PemException.class).hasMessageContaining(a[1].toString());
            assertThat(tls.current().certificates()).singleElement().asString().startsWith("a.test.example");
        }
    }

    @Test
    void firstStartGeneratesASelfSignedCertificateOnceAndOnlyModernProtocols() throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.dataDir = dir.toString();
        String first;
        try (Tls tls = Tls.create(config)) {
            first = tls.current().certificates().getFirst();
            assertThat(first).startsWith("mx.test.example (EC");
            assertThat(tls.parameters().getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
            assertThat(tls.parameters().getCipherSuites()).allMatch(s -> s.contains("GCM") || s.contains("CHACHA20"));
        }
        assertThat(Files.getPosixFilePermissions(SelfSigned.keyFile(dir.resolve("tls"))))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        byte[] pem = Files.readAllBytes(SelfSigned.certificateFile(dir.resolve("tls")));
        try (Tls again = Tls.create(config)) {
            assertThat(Files.readAllBytes(SelfSigned.certificateFile(dir.resolve("tls")))).isEqualTo(pem);
        }
        config.tls.protocols = List.of("TLSv1.1");
        assertThatThrownBy(() -> Tls.create(config)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLSv1.1");
    }

    /** TLS 1.2 clients may not renegotiate (TLS 1.3 has no renegotiation at all). */
    @Test
    void clientInitiatedRenegotiationIsRefused() throws Exception {
        Path[] ec = openssl(dir, "ec.test.example", "ec", false);
        try (Tls tls = Tls.of(List.<Path[]>of(ec), Duration.ofMinutes(1));
             ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), 10,
                     Duration.ofSeconds(10), tls, c -> {
                         c.writeLine("hello");
                         c.flush();
                         // Only reached if the renegotiation was let through: then the client reads "got".
                         if (c.input().readLine(100) != null) {
                             c.writeLine("got");
                             c.flush();
                             c.input().readLine(100);
                         }
                     }, new SimpleMeterRegistry())) {
            l.start();
            InetSocketAddress at = l.boundAddresses().getFirst();
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustAll()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(at.getAddress(), at.getPort())) {
                s.setSoTimeout(10_000);
                s.setEnabledProtocols(new String[] {"TLSv1.2"});
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(s.getSession().getCipherSuite()).contains("GCM");
                assertThat(new String(s.getInputStream().readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("hello\r\n");
                s.startHandshake(); // a renegotiation request; the server must refuse it
                assertThatThrownBy(() -> {
                    s.getOutputStream().write("x\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    int b = s.getInputStream().read();
                    if (b == -1) throw new IOException("closed by server");
                }).isInstanceOf(IOException.class);
            }
        }
    }

    private static ConnectionListener listener(Tls tls) throws IOException {
        ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), 10,
                Duration.ofSeconds(10), tls, c -> {
                    c.writeLine("hello " + c.tlsDescription());
                    c.flush();
                }, new SimpleMeterRegistry());
        l.start();
        return l;
    }

    /** Connects with SNI {@code name}, trusting anything, and returns the certificate the server sent. */
    static X509Certificate peer(InetSocketAddress at, String name) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {trustAll()}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(name)));
            s.setSSLParameters(p);
            s.startHandshake();
            String line = new String(s.getInputStream().readNBytes(10), StandardCharsets.US_ASCII);
            assertThat(line).startsWith("hello TLS");
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    static X509TrustManager trustAll() {
        return new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
