package org.twinmail.mail;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twinmail.core.fuzz.Fuzzing;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.mime.MimeStream;

/**
 * The mail library's parsers take linear time on the repetitions that make a naive parser
 * quadratic (ten times the input, about ten times the time): the complement of
 * {@link MailParsersFuzzTest}, which a fuzzer rarely drives to large inputs. Runs in the
 * ordinary test fork, without Jazzer's agent, whose hooks would distort the timing.
 */
class MailParsersLinearTest {

    @Test
    void headerIsLinearInFoldedLinesAndFields() {
        Fuzzing.linear("many fields", 4000, n -> Fuzzing.repeat("X: y\r\n", 6 * n).getBytes(StandardCharsets.US_ASCII), Header::parse);
        Fuzzing.linear("one folded field", 4000, n -> ("Subject: a" + Fuzzing.repeat("\r\n b", 4 * n)).getBytes(StandardCharsets.US_ASCII), Header::parse);
        Fuzzing.linear("no colon", 4000, n -> Fuzzing.repeat("xxxxxxxxxx", 10 * n).getBytes(StandardCharsets.US_ASCII), Header::parse);
    }

    @Test
    void addressesAreLinearInCommentsQuotesAndLists() {
        Fuzzing.linear("nested comments", 2000, n -> Fuzzing.repeat("(", 5 * n), AddressParser::parse);
        Fuzzing.linear("unclosed quote", 2000, n -> "\"" + Fuzzing.repeat("\\a", 5 * n), AddressParser::parse);
        Fuzzing.linear("many addresses", 2000, n -> Fuzzing.repeat("a@b,", 4 * n), AddressParser::parse);
        Fuzzing.linear("many angles", 2000, n -> Fuzzing.repeat("<", 5 * n), AddressParser::parse);
        Fuzzing.linear("many groups", 2000, n -> Fuzzing.repeat("g:", 5 * n), AddressParser::parse);
    }

    @Test
    void encodedWordsAreLinear() {
        Fuzzing.linear("unclosed words", 2000, n -> Fuzzing.repeat("=?utf-8?q?", 10 * n), EncodedWords::decode);
        Fuzzing.linear("adjacent words", 2000, n -> Fuzzing.repeat("=?utf-8?b?YWJj?= ", 17 * n), EncodedWords::decode);
        Fuzzing.linear("starts only", 2000, n -> Fuzzing.repeat("=?", 10 * n), EncodedWords::decode);
    }

    @Test
    void mimeIsLinearInParts() {
        Fuzzing.linear("many parts", 200, n -> ("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                + Fuzzing.repeat("--b\r\n\r\nx\r\n", 11 * n)).getBytes(StandardCharsets.US_ASCII), m -> walk(m));
        Fuzzing.linear("nested multiparts", 200, n -> Fuzzing.repeat("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n", 52 * n)
                .getBytes(StandardCharsets.US_ASCII), m -> walk(m));
    }

    private static void walk(byte[] m) {
        try {
            MimeStream.walk(new ByteArrayInputStream(m), p -> p.body().transferTo(java.io.OutputStream.nullOutputStream()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
