package org.twinmail.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.MimePart;

/** Nothing in the library throws on random input: bytes, and text made of mail's special characters. */
class RandomInputTest {
    private static final String ALPHABET = "ab@.,;:<>()[]\"\\ \t\r\n=?_-+/QBqb0123456789é中\u0000";
    private static final String[] PIECES = {"=?utf-8?b?", "=?gb2312?q?", "?=", "--b\r\n", "\r\n\r\n", "Content-Type: multipart/mixed; boundary=b\r\n",
            "Content-Type: message/rfc822\r\n", "Content-Transfer-Encoding: base64\r\n", "From: ", "Date: ", ":;", "<@", "(", ")", "\""};

    @Test
    void randomBytesAndTokensNeverThrow() {
        Random random = new Random(20261207L); // fixed seed: a failure is reproducible
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = new byte[random.nextInt(400)];
            if (round % 2 == 0) {
                random.nextBytes(bytes);
            } else {
                StringBuilder b = new StringBuilder();
                while (b.length() < bytes.length) {
                    if (random.nextInt(4) == 0) b.append(PIECES[random.nextInt(PIECES.length)]);
                    else b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                }
                bytes = b.toString().getBytes(StandardCharsets.UTF_8);
            }
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            MimePart m = MimePart.parse(bytes);
            m.languages();
            for (MimePart leaf : m.leaves()) {
                leaf.languages();
                leaf.disposition();
                assertThat(leaf.text()).isNotNull();
                assertThat(leaf.end()).isGreaterThanOrEqualTo(leaf.bodyStart());
            }
            Header h = Header.parse(bytes);
            for (HeaderField f : h.fields()) {
                assertThat(f.decoded()).isNotNull();
                AddressParser.parse(f.value());
                MailDates.parse(f.value());
                org.twinmail.mail.header.MessageIds.parse(f.value());
            }
            assertThat(AddressParser.parse(text)).isNotNull();
            assertThat(AddressParser.parse(new String(bytes, StandardCharsets.UTF_8))).isNotNull();
            assertThat(EncodedWords.decode(text)).isNotNull();
            try {
                org.twinmail.mail.mime.MimeStream.walk(new java.io.ByteArrayInputStream(bytes), p -> p.decodedBody().orElse(p.body()).readAllBytes());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            MailDates.parse(text);
        }
    }

    /** Long runs of what parsers loop or backtrack on: no stack overflow, no quadratic time. */
    @Test
    void pathologicalInputsAreLinear() {
        String[] inputs = {" ".repeat(200_000) + "x", ">".repeat(200_000), "(".repeat(100_000), "=?a?q?x".repeat(30_000),
                "\"".repeat(100_000), "a@".repeat(100_000), "<".repeat(100_000), ":".repeat(100_000) + ";".repeat(100_000),
                "1 ".repeat(100_000) + "Jan", " : ".repeat(100_000)};
        org.junit.jupiter.api.Assertions.assertTimeout(java.time.Duration.ofSeconds(20), () -> {
            for (String in : inputs) {
                AddressParser.parse(in);
                EncodedWords.decode(in);
                MailDates.parse(in);
                org.twinmail.mail.header.MessageIds.parse(in);
                byte[] b = ("Subject: " + in + "\r\nContent-Type: multipart/mixed; boundary=" + in.substring(0, 50) + "\r\n\r\n" + in)
                        .getBytes(StandardCharsets.UTF_8);
                MimePart.parse(b).leaves().forEach(MimePart::text);
                Header.parse(b).fields().forEach(HeaderField::decoded);
            }
        });
    }
}
