package org.twinmail.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.twinmail.core.fuzz.Fuzzing;
import org.twinmail.mail.address.AddressList;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.dkim.DkimPublicKey;
import org.twinmail.mail.dkim.DkimSignature;
import org.twinmail.mail.dkim.DkimSyntaxException;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.MimeStream;

/**
 * Fuzz targets for the mail library's parsers of what a stranger writes (docs/fuzzing.md): the
 * header section, addresses, RFC 2047 encoded words, dates, MIME structure and the DKIM
 * signature and key records. In the normal build each runs the inputs under
 * {@code src/test/resources/org/twinmail/mail/MailParsersFuzzTestInputs/<target>}; with
 * {@code JAZZER_FUZZ=1} (bin/fuzz) it fuzzes. {@link MailParsersLinearTest} checks that each is
 * linear on the repetitions that make a naive parser quadratic.
 */
class MailParsersFuzzTest {

    @FuzzTest
    void header(byte[] data) throws Exception {
        byte[] in = cap(data);
        Header h = Fuzzing.parse(() -> Header.parse(in));
        Fuzzing.bounded("fields", h.fields().size(), in.length, 1, 0);
        for (HeaderField f : h.fields()) {
            Fuzzing.bounded("decoded value", Fuzzing.parse(f::decoded).length(), f.raw().length(), 2, 16);
        }
        Header r = Fuzzing.parse(() -> Header.read(new ByteArrayInputStream(in), 4096));
        assertThat(r.bytes().length).isLessThanOrEqualTo(4096);
        Fuzzing.bounded("fields read", r.fields().size(), Math.min(in.length, 4096), 1, 0);
    }

    @FuzzTest
    void address(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        AddressList list = Fuzzing.parse(() -> AddressParser.parse(in));
        // The parser keeps what it read when it trips over a bug of its own: no such trip here.
        assertThat(list.problems()).noneMatch(p -> p.startsWith("unreadable address list"));
        Fuzzing.bounded("addresses", list.addresses().size(), in.length(), 1, 1);
        Fuzzing.bounded("problems", list.problems().size(), 21, 1, 0);
        Fuzzing.parse(() -> AddressParser.firstMailbox(in));
    }

    @FuzzTest
    void encodedWords(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        String out = Fuzzing.parse(() -> EncodedWords.decode(in));
        Fuzzing.bounded("decoded", out.length(), in.length(), 2, 16);
        String encoded = Fuzzing.parse(() -> EncodedWords.encode(in));
        Fuzzing.bounded("encoded", encoded.length(), in.length(), 8, 64);
    }

    @FuzzTest
    void date(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        Fuzzing.parse(() -> MailDates.parse(in));
    }

    @FuzzTest
    void mime(byte[] data) throws Exception {
        byte[] in = cap(data);
        long[] parts = {0};
        long[] decoded = {0};
        Fuzzing.run(() -> MimeStream.walk(new ByteArrayInputStream(in), part -> {
            parts[0]++;
            Fuzzing.bounded("header fields", part.header().fields().size(), in.length, 1, 0);
            part.type();
            part.charset();
            if (part.decodedBody().isPresent()) {
                try (InputStream b = part.decodedBody().get()) {
                    decoded[0] += b.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        }));
        Fuzzing.bounded("parts", parts[0], in.length, 1, 1);
        Fuzzing.bounded("decoded body octets", decoded[0], in.length, 1, 0);
    }

    @FuzzTest
    void dkimSignature(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        DkimSignature s = Fuzzing.parse(() -> DkimSignature.parse(in), DkimSyntaxException.class);
        if (s != null) Fuzzing.bounded("signed fields", s.signedHeaders().size(), in.length(), 1, 0);
    }

    @FuzzTest
    void dkimKey(FuzzedDataProvider data) {
        String in = data.consumeRemainingAsString();
        Fuzzing.parse(() -> DkimPublicKey.parse(in), DkimSyntaxException.class);
    }

    private static byte[] cap(byte[] data) {
        return data.length <= Fuzzing.MAX_INPUT ? data : Arrays.copyOf(data, Fuzzing.MAX_INPUT);
    }
}
