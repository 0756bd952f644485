package org.twinmail.mail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.dns.LocalDnsServer;

/**
 * Signatures checked by dkimpy (Debian python3-dkim), which fetches the published TXT record
 * from {@link LocalDnsServer}: an implementation other than ours, reading the record as the
 * world would.
 */
class DkimSignerTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @TempDir
    Path data;

    private LocalDnsServer dns;
    private DkimKeys keys;

    @BeforeEach
    void setUp() {
        dns = LocalDnsServer.start();
        keys = new DkimKeys(data.resolve("dkim"), "twinmail", List.of());
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private void publish(DkimRecord r) {
        dns.txt(r.txtName(), r.txtStrings().toArray(String[]::new));
    }

    private DkimSigner signer(Duration lifetime) {
        return new DkimSigner(keys, lifetime, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static byte[] crlf(String text) {
        return text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] signed(DkimSigner signer, String domain, byte[] message) throws IOException {
        try (MessageData m = MessageSpool.of(message)) {
            String header = signer.signatureHeader(domain, m).orElseThrow();
            byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = new byte[h.length + message.length];
            System.arraycopy(h, 0, out, 0, h.length);
            System.arraycopy(message, 0, out, h.length, message.length);
            return out;
        }
    }

    /** dkimpy's verdict on each message: "pass" or "fail: why". */
    private Map<String, String> verify(Map<String, byte[]> messages) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "src/test/python/dkim_verify.py",
                dns.address().getAddress().getHostAddress(), Integer.toString(dns.address().getPort())));
        Path dir = Files.createDirectories(data.resolve("out"));
        Map<String, Path> files = new LinkedHashMap<>();
        for (var e : messages.entrySet()) {
            Path f = dir.resolve(e.getKey() + ".eml");
            Files.write(f, e.getValue());
            files.put(e.getKey(), f);
            cmd.add(f.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dkim_verify.py finished").isTrue();
        assertThat(p.exitValue()).as("dkim_verify.py: %s", output).isZero();
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (var e : files.entrySet()) {
            String line = output.lines().filter(l -> l.startsWith(e.getValue() + " ")).findFirst().orElse("(no verdict) " + output);
            verdicts.put(e.getKey(), line.substring(line.indexOf(' ') + 1));
        }
        return verdicts;
    }

    private static final String PLAIN = """
            From: Alice Example <alice@example.com>
            To: bob@example.net,
              carol@example.org
            Subject: Lunch   on\tFriday
            Date: Mon, 23 Nov 2026 12:00:00 +0000
            Message-ID: <1@example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            X-Not-Signed: anything

            Hello Bob,\t
              see you   at noon.


            """;

    @Test
    void dkimpyAcceptsOurSignaturesOnAssortedMessages() throws Exception {
        DkimRecord record = keys.generate("example.com", null, DkimKeys.DEFAULT_BITS);
        publish(record);
        DkimSigner signer = signer(Duration.ZERO);
        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("plain", signed(signer, "example.com", crlf(PLAIN)));
        messages.put("emptyBody", signed(signer, "example.com", crlf("From: a@example.com\nSubject: nothing\n\n")));
        messages.put("noBodyAtAll", signed(signer, "example.com", crlf("From: a@example.com\nSubject: headers only\n")));
        messages.put("noFinalCrlf", signed(signer, "example.com", crlf("From: a@example.com\n\nlast line without end").clone()));
        messages.put("utf8", signed(signer, "example.com", crlf("From: Zoë <zoe@example.com>\nSubject: Grüße\nTo: jörg@example.de\n\nÄpfel und Birnen\n")));
        messages.put("twoTo", signed(signer, "example.com", crlf("From: a@example.com\nTo: b@example.net\nTo: c@example.net\n"
                + "Cc: d@example.net\nReply-To: e@example.com\nIn-Reply-To: <0@example.net>\nReferences: <0@example.net>\n\nbody\n")));
        StringBuilder big = new StringBuilder("From: a@example.com\nSubject: big\n\n");
        for (int i = 0; i < 20000; i++) big.append("line ").append(i).append(" \t with   spaces\n");
        messages.put("big", signed(signer, "example.com", crlf(big.toString())));
        Map<String, String> verdicts = verify(messages);
        assertThat(verdicts).allSatisfy((name, verdict) -> assertThat(verdict).as(name).isEqualTo("pass"));
    }

    @Test
    void dkimpyRejectsAChangedBodyAnAddedFromAndAWrongKey() throws Exception {
        publish(keys.generate("example.com", null, DkimKeys.DEFAULT_BITS));
        DkimRecord other = keys.generate("example.com", "other", DkimKeys.DEFAULT_BITS);
        DkimSigner signer = signer(Duration.ZERO);
        byte[] good = signed(signer, "example.com", crlf(PLAIN));
        String text = new String(good, StandardCharsets.ISO_8859_1);
        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("good", good);
        messages.put("body", text.replace("see you", "see ya").getBytes(StandardCharsets.ISO_8859_1));
        messages.put("subject", text.replace("Lunch", "Dinner").getBytes(StandardCharsets.ISO_8859_1));
        messages.put("secondFrom", text.replace("X-Not-Signed:", "From: mallory@example.net\r\nX-Not-Signed:").getBytes(StandardCharsets.ISO_8859_1));
        // Published under selector "other", but the signature says s=twinmail: the wrong key.
        dns.remove(keys.record("example.com").orElseThrow().txtName());
        dns.txt("twinmail._domainkey.example.com", other.txtStrings().toArray(String[]::new));
        Map<String, String> verdicts = verify(messages);
        assertThat(verdicts.get("good")).startsWith("fail");
        dns.remove("twinmail._domainkey.example.com");
        publish(keys.record("example.com").orElseThrow());
        verdicts = verify(messages);
        assertThat(verdicts.get("good")).isEqualTo("pass");
        assertThat(verdicts.get("body")).startsWith("fail");
        assertThat(verdicts.get("subject")).startsWith("fail");
        assertThat(verdicts.get("secondFrom")).startsWith("fail");
    }

    @Test
    void theSignatureCarriesTheAgreedTags() throws Exception {
        keys.generate("example.com", null, DkimKeys.DEFAULT_BITS);
        String header;
        try (MessageData m = MessageSpool.of(crlf(PLAIN))) {
            header = signer(Duration.ofDays(7)).signatureHeader("example.com", m).orElseThrow();
        }
        assertThat(header).endsWith("\r\n");
        for (String line : header.split("\r\n")) assertThat(line.length()).isLessThanOrEqualTo(78);
        String unfolded = header.replace("\r\n\t", " ");
        assertThat(unfolded).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=twinmail;")
                .contains(" t=" + NOW.getEpochSecond() + ";").contains(" x=" + NOW.plus(Duration.ofDays(7)).getEpochSecond() + ";");
        String compact = header.replaceAll("\\s+", "");
        assertThat(compact).contains(";h=from:from:to:subject:date:message-id:mime-version:content-type;")
                .doesNotContain(";l=").doesNotContain("x-not-signed");
        try (MessageData m = MessageSpool.of(crlf(PLAIN))) {
            assertThat(signer(Duration.ZERO).signatureHeader("example.com", m).orElseThrow()).doesNotContain("x=");
        }
    }

    @Test
    void aDomainWithoutAKeyIsNotSigned() throws Exception {
        try (MessageData m = MessageSpool.of(crlf(PLAIN))) {
            assertThat(signer(Duration.ZERO).signatureHeader("example.com", m)).isEmpty();
            assertThat(signer(Duration.ZERO).signatureHeader("../etc", m)).isEmpty();
        }
    }

    @Test
    void canonicalizationFollowsTheExamplesOfRfc6376() throws Exception {
        // RFC 6376 3.4.5
        List<String> fields = DkimSigner.readHeaderFields(new ByteArrayInputStream(crlf("A: X\nB : Y\t\n\tZ  \n\n C \nD \t E\n\n\n")));
        assertThat(fields).containsExactly("A: X\r\n", "B : Y\t\r\n\tZ  \r\n");
        assertThat(DkimSigner.relaxedHeader(fields.get(0)) + DkimSigner.relaxedHeader(fields.get(1))).isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(relaxedBody(" C \r\nD \t E\r\n\r\n\r\n")).isEqualTo(sha256(" C\r\nD E\r\n"));
        assertThat(relaxedBody("")).isEqualTo(sha256(""));
        assertThat(relaxedBody("\r\n\r\n")).isEqualTo(sha256(""));
        assertThat(relaxedBody("x")).isEqualTo(sha256("x\r\n"));
        assertThat(relaxedBody("a\rb\r\n")).isEqualTo(sha256("a\rb\r\n"));
    }

    private static String relaxedBody(String body) {
        MessageDigest d = DkimSigner.sha256();
        DkimSigner.RelaxedBody out = new DkimSigner.RelaxedBody(d);
        out.write(body.getBytes(StandardCharsets.ISO_8859_1), 0, body.length());
        out.close();
        return HexFormat.of().formatHex(d.digest());
    }

    private static String sha256(String s) {
        return HexFormat.of().formatHex(DkimSigner.sha256().digest(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void generatedKeysArePrivateNeverOverwrittenAndPublishedInStringsOf255() throws Exception {
        DkimRecord r = keys.generate("Example.COM", null, DkimKeys.DEFAULT_BITS);
        assertThat(r.keyFile()).isEqualTo(data.resolve("dkim/example.com.twinmail.pem").toAbsolutePath());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.keyFile()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.keyFile().getParent()))).isEqualTo("rwx------");
        assertThat(r.bits()).isEqualTo(2048);
        assertThat(r.txtStrings()).hasSizeGreaterThan(1).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));
        assertThat(String.join("", r.txtStrings())).isEqualTo(r.txtValue()).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
        assertThat(r.zoneLine()).startsWith("twinmail._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=").endsWith("\"")
                .contains("\" \"");
        byte[] before = Files.readAllBytes(r.keyFile());
        assertThatThrownBy(() -> keys.generate("example.com", "twinmail", 2048)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(r.keyFile())).isEqualTo(before);
        assertThat(keys.record("example.com").orElseThrow().txtValue()).isEqualTo(r.txtValue());
        assertThatThrownBy(() -> keys.generate("example.com", "s2", 512)).hasMessageContaining("1024 to 4096");
        assertThatThrownBy(() -> keys.generate("../../etc", "s2", 2048)).hasMessageContaining("not a domain name");
        assertThatThrownBy(() -> keys.generate("example.com", "a/b", 2048)).hasMessageContaining("not a DKIM selector");
        try (var files = Files.list(r.keyFile().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("example.com.twinmail.pem"); // no temporary left
        }
    }

    @Test
    void theConfiguredSelectorAndKeyFileAreUsedAndAReplacedFileIsReadAgain() throws Exception {
        // A traditional "RSA PRIVATE KEY" from openssl, at a path of the operator's choosing.
        Path own = data.resolve("own.pem");
        Process p = new ProcessBuilder("openssl", "genrsa", "-traditional", "-out", own.toString(), "2048").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Files.readString(own)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        TwinmailConfig.Relay.Dkim c = new TwinmailConfig.Relay.Dkim();
        c.domains = List.of(new TwinmailConfig.DkimDomain("example.org", "2026a", own.toString()));
        DkimSigner signer = DkimSigner.fromConfig(c, data);
        DkimKeys k = signer.keys();
        assertThat(k.selector("EXAMPLE.org")).isEqualTo("2026a");
        assertThat(k.selector("example.com")).isEqualTo("twinmail");
        DkimRecord first = k.record("example.org").orElseThrow();
        assertThat(first.keyFile()).isEqualTo(own.toAbsolutePath());
        publish(first);
        byte[] m1 = signed(signer, "example.org", crlf("From: a@example.org\nSubject: one\n\nbody\n"));
        assertThat(new String(m1, StandardCharsets.ISO_8859_1)).contains("s=2026a;").contains("d=example.org;");

        // The operator replaces the file: the next message is signed with the new key.
        KeyReplacement.write(own);
        DkimRecord second = k.record("example.org").orElseThrow();
        assertThat(second.txtValue()).isNotEqualTo(first.txtValue());
        byte[] m2 = signed(signer, "example.org", crlf("From: a@example.org\nSubject: two\n\nbody\n"));
        Map<String, String> verdicts = verify(Map.of("old", m1, "new", m2));
        assertThat(verdicts.get("old")).isEqualTo("pass");
        assertThat(verdicts.get("new")).startsWith("fail"); // the DNS still has the first key
    }

    @Test
    void aBrokenKeyFileIsAnErrorNotASilentlyUnsignedMessage() throws Exception {
        Files.createDirectories(data.resolve("dkim"));
        Files.writeString(data.resolve("dkim/example.com.twinmail.pem"), "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n");
        try (MessageData m = MessageSpool.of(crlf(PLAIN))) {
            assertThatThrownBy(() -> signer(Duration.ZERO).signatureHeader("example.com", m))
                    .isInstanceOf(IOException.class).hasMessageContaining("example.com.twinmail.pem");
        }
    }

    /** Writes a fresh PKCS#8 key over a file, with a different size so the change is seen at once. */
    private static final class KeyReplacement {
        static void write(Path file) throws Exception {
            var g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(3072);
            String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(g.generateKeyPair().getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(file, pem);
        }
    }
}
