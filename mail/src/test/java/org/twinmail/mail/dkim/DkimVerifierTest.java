package org.twinmail.mail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.mail.dkim.DkimResult.Result;

/**
 * Verification of our own signatures and of dkimpy's (Debian python3-dkim, an independent
 * implementation), with keys served from a table standing for the DNS.
 */
class DkimVerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @TempDir
    Path data;

    private final Map<String, DkimKeySource.Answer> dns = new ConcurrentHashMap<>();
    private DkimKeys keys;

    @BeforeEach
    void setUp() {
        keys = new DkimKeys(data.resolve("dkim"), "twinmail", List.of());
    }

    private DkimVerifier verifier(Instant now) {
        return new DkimVerifier(name -> dns.getOrDefault(name, new DkimKeySource.Answer.Missing()), Clock.fixed(now, ZoneOffset.UTC), 4);
    }

    private void publish(DkimRecord r) {
        dns.put(r.selector() + "._domainkey." + r.domain(), new DkimKeySource.Answer.Found(List.of(String.join("", r.txtStrings()))));
    }

    private static final String MESSAGE = """
            From: Alice Example <alice@example.com>
            To: bob@example.net,
              carol@example.org
            Subject: Lunch   on\tFriday
            Date: Mon, 23 Nov 2026 12:00:00 +0000
            Message-ID: <1@example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hello Bob,\t
              see you   at noon.


            """;

    private static byte[] crlf(String text) {
        return text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] signedByUs(String domain, byte[] message, Duration lifetime) throws IOException {
        DkimSigner signer = new DkimSigner(keys, lifetime, Clock.fixed(NOW, ZoneOffset.UTC));
        try (MessageData m = MessageSpool.of(message)) {
            byte[] h = signer.signatureHeader(domain, m).orElseThrow().getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = new byte[h.length + message.length];
            System.arraycopy(h, 0, out, 0, h.length);
            System.arraycopy(message, 0, out, h.length, message.length);
            return out;
        }
    }

    private List<DkimResult> verify(byte[] message) throws IOException {
        return verifier(NOW.plusSeconds(60)).verify(new ByteArrayInputStream(message));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void ourSignaturePassesAndTamperingFails() throws Exception {
        publish(keys.generate("example.com", null, DkimKeys.DEFAULT_BITS));
        byte[] signed = signedByUs("example.com", crlf(MESSAGE), Duration.ZERO);

        List<DkimResult> ok = verify(signed);
        assertThat(ok).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(Result.PASS);
            assertThat(r.domain()).isEqualTo("example.com");
            assertThat(r.selector()).isEqualTo("twinmail");
            assertThat(r.algorithm()).isEqualTo("rsa-sha256");
        });
        // relaxed canonicalization: whitespace changes in transit do not matter
        String s = text(signed);
        assertThat(verify(bytes(s.replace("Subject: Lunch   on", "Subject:  Lunch on").replace("see you   at", "see you at"))))
                .extracting(DkimResult::result).containsExactly(Result.PASS);

        assertThat(verify(bytes(s.replace("at noon.", "at two."))))
                .singleElement().satisfies(r -> {
                    assertThat(r.result()).isEqualTo(Result.FAIL);
                    assertThat(r.reason()).contains("body hash");
                });
        assertThat(verify(bytes(s.replace("Subject: Lunch", "Subject: Dinner"))))
                .singleElement().satisfies(r -> {
                    assertThat(r.result()).isEqualTo(Result.FAIL);
                    assertThat(r.reason()).isEqualTo("signature does not verify");
                });
        // a second From added on top is covered by the over-signed from (RFC 6376 8.15)
        int body = s.indexOf("\r\n\r\n");
        assertThat(verify(bytes(s.substring(0, body) + "\r\nFrom: mallory@example.org" + s.substring(body))))
                .extracting(DkimResult::result).containsExactly(Result.FAIL);
    }

    @Test
    void missingKeyIsPermerrorAndDnsFailureTemperror() throws Exception {
        DkimRecord record = keys.generate("example.com", null, DkimKeys.DEFAULT_BITS);
        byte[] signed = signedByUs("example.com", crlf(MESSAGE), Duration.ZERO);
        assertThat(verify(signed)).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(Result.PERMERROR);
            assertThat(r.reason()).isEqualTo("no key for signature");
        });
        dns.put("twinmail._domainkey.example.com", new DkimKeySource.Answer.Failed("timeout"));
        assertThat(verify(signed)).extracting(DkimResult::result).containsExactly(Result.TEMPERROR);
        dns.put("twinmail._domainkey.example.com", new DkimKeySource.Answer.Found(List.of("v=DKIM1; k=rsa; p=")));
        assertThat(verify(signed)).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo("key revoked"));
        dns.put("twinmail._domainkey.example.com", new DkimKeySource.Answer.Found(List.of("v=DKIM1; k=rsa; p=!!!")));
        assertThat(verify(signed)).extracting(DkimResult::result).containsExactly(Result.PERMERROR);
        // t=y: a failure is neutral
        dns.put("twinmail._domainkey.example.com", new DkimKeySource.Answer.Found(List.of(record.txtValue() + "; t=y")));
        assertThat(verify(bytes(text(signed).replace("Subject: Lunch", "Subject: Dinner")))).extracting(DkimResult::result)
                .containsExactly(Result.NEUTRAL);
    }

    @Test
    void expiredSignatureFails() throws Exception {
        publish(keys.generate("example.com", null, DkimKeys.DEFAULT_BITS));
        byte[] signed = signedByUs("example.com", crlf(MESSAGE), Duration.ofHours(1));
        assertThat(verifier(NOW.plusSeconds(3599)).verify(new ByteArrayInputStream(signed))).extracting(DkimResult::result).containsExactly(Result.PASS);
        assertThat(verifier(NOW.plusSeconds(3601)).verify(new ByteArrayInputStream(signed))).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo("signature expired"));
    }

    @Test
    void noSignatureNoResult() throws Exception {
        assertThat(verify(crlf(MESSAGE))).isEmpty();
    }

    @Test
    void dkimpySignaturesVerify() throws Exception {
        DkimRecord record = keys.generate("example.org", "py", DkimKeys.DEFAULT_BITS);
        publish(record);
        for (String canon : List.of("simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed")) {
            byte[] signed = dkimpy("py", "example.org", record.keyFile().toString(), canon, false);
            assertThat(verify(signed)).as(canon).extracting(DkimResult::result).containsExactly(Result.PASS);
            assertThat(verify(bytes(text(signed).replace("see you", "meet you")))).as(canon + " tampered").extracting(DkimResult::result)
                    .containsExactly(Result.FAIL);
        }
        // l=: content appended after the signed length still verifies; a change inside it does not
        byte[] limited = dkimpy("py", "example.org", record.keyFile().toString(), "relaxed/simple", true);
        assertThat(text(limited)).contains(" l=");
        assertThat(verify(bytes(text(limited) + "appended\r\n"))).extracting(DkimResult::result).containsExactly(Result.PASS);
        assertThat(verify(bytes(text(limited).replace("noon", "NOON")))).extracting(DkimResult::result).containsExactly(Result.FAIL);

        // ed25519-sha256 (RFC 8463), key made by python3-nacl
        Path in = Files.write(data.resolve("in-ed.eml"), crlf(MESSAGE));
        Path out = data.resolve("out-ed.eml");
        String p = run("/usr/bin/python3", "src/test/python/dkim_sign.py", "ed", "example.org", "ed25519", "relaxed/relaxed", "0", in.toString(), out.toString());
        dns.put("ed._domainkey.example.org", new DkimKeySource.Answer.Found(List.of("v=DKIM1; k=ed25519; " + p.strip())));
        byte[] ed = Files.readAllBytes(out);
        assertThat(verify(ed)).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(Result.PASS);
            assertThat(r.algorithm()).isEqualTo("ed25519-sha256");
        });
        assertThat(verify(bytes(text(ed).replace("Subject: Lunch", "Subject: Dinner")))).extracting(DkimResult::result).containsExactly(Result.FAIL);
    }

    private byte[] dkimpy(String selector, String domain, String key, String canon, boolean length) throws Exception {
        Path in = Files.write(data.resolve("in.eml"), crlf(MESSAGE));
        Path out = data.resolve("out.eml");
        run("/usr/bin/python3", "src/test/python/dkim_sign.py", selector, domain, key, canon, length ? "1" : "0", in.toString(), out.toString());
        return Files.readAllBytes(out);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dkim_sign.py finished").isTrue();
        assertThat(p.exitValue()).as("dkim_sign.py: %s", output).isZero();
        return output;
    }

    @Test
    void signatureFieldsAreParsedStrictly() {
        String good = "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; h=from:to; bh=AAAA; b=AAAA";
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("v=1", "v=2"))).isInstanceOf(DkimSyntaxException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("h=from:to", "h=to"))).hasMessageContaining("From");
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("d=example.com", "d=example.com; i=a@example.net"))).hasMessageContaining("i=");
        assertThatThrownBy(() -> DkimSignature.parse(good + "; d=x.org")).hasMessageContaining("twice");
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("bh=AAAA", "bh=A*AA"))).hasMessageContaining("base64");
        assertThatThrownBy(() -> DkimSignature.parse(good + "; l=12x")).hasMessageContaining("l=");
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("c=relaxed/simple", "c=fancy"))).hasMessageContaining("canonicalization");
        assertThatThrownBy(() -> DkimSignature.parse(good + "; x=1; t=2")).hasMessageContaining("x= before t=");
        assertThatThrownBy(() -> DkimSignature.parse(good + "; z=" + "a".repeat(DkimTags.MAX_LENGTH))).hasMessageContaining("longer");
        assertThatThrownBy(() -> DkimSignature.parse(good.replace("h=from:to", "h=from" + ":x".repeat(300)))).hasMessageContaining("more than");
        assertThatThrownBy(() -> DkimSignature.parse(good + "; 9a=1")).hasMessageContaining("tag name");
        DkimSignature s = assertParses(good + ";");
        assertThat(s.identity()).isEqualTo("@example.com");
        assertThat(s.headerCanon()).isEqualTo("relaxed");
        assertThat(s.bodyCanon()).isEqualTo("simple");
    }

    private static DkimSignature assertParses(String v) {
        try {
            return DkimSignature.parse(v);
        } catch (DkimSyntaxException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void bTagValueIsDeletedWithItsWhitespace() {
        assertThat(DkimVerifier.withoutB("DKIM-Signature: v=1; bh=XX;\r\n b=abc\r\n\tdef\r\n")).isEqualTo("DKIM-Signature: v=1; bh=XX;\r\n b=\r\n");
        assertThat(DkimVerifier.withoutB("DKIM-Signature: b=abc; bh=XX\r\n")).isEqualTo("DKIM-Signature: b=; bh=XX\r\n");
    }

    @Test
    void simpleBodyCanonicalization() throws IOException {
        var d = DkimSigner.sha256();
        var expected = DkimSigner.sha256();
        try (DkimSigner.SimpleBody b = new DkimSigner.SimpleBody(d)) {
            b.write(crlf("a  b \n\n c\n\n\n"));
        }
        assertThat(d.digest()).isEqualTo(expected.digest(crlf("a  b \n\n c\n")));
        try (DkimSigner.SimpleBody b = new DkimSigner.SimpleBody(d)) {
            b.write(crlf("\n\n"));
        }
        assertThat(d.digest()).isEqualTo(expected.digest(crlf("\n")));
    }
}
