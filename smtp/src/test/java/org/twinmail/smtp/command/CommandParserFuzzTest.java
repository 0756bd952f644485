package org.twinmail.smtp.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.fuzz.Fuzzing;

/**
 * Fuzz target for the SMTP command parser (docs/fuzzing.md): any line a client sends is a
 * command or a {@link CommandSyntaxException}, whose reply never carries raw client bytes.
 * Regression inputs: {@code src/test/resources/org/twinmail/smtp/command/CommandParserFuzzTestInputs/commandLine}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CommandParserFuzzTest {

    @FuzzTest
    @DictionaryEntries({"MAIL FROM:<", "RCPT TO:<", "EHLO ", "HELO ", "AUTH PLAIN ", "AUTH LOGIN", " SIZE=", " BODY=8BITMIME",
            " SMTPUTF8", " RET=HDRS", " ENVID=", " NOTIFY=SUCCESS,FAILURE", " ORCPT=rfc822;", "@", ">", "\"", "[IPv6:", "postmaster"})
    void commandLine(FuzzedDataProvider data) {
        boolean utf8 = data.consumeBoolean();
        byte[] line = data.consumeRemainingAsBytes();
        if (line.length > Fuzzing.MAX_INPUT) line = Arrays.copyOf(line, Fuzzing.MAX_INPUT);
        byte[] in = line;
        try {
            SmtpCommand c = CommandParser.parse(in, utf8);
            assertThat(c).isNotNull();
            Fuzzing.bounded("command", c.toString().length(), in.length, 4, 200);
        } catch (CommandSyntaxException e) {
            assertThat(e.kind()).isNotNull();
            // the reply text is printable ASCII, whatever the client sent, and of bounded length: what it
            // quotes of the line goes through Printable (escaped, cut at 200 characters)
            assertThat(e.getMessage()).matches("[\\x20-\\x7e]*");
            Fuzzing.bounded("reply text", e.getMessage().length(), 0, 0, 1024);
        }
        Fuzzing.parse(() -> {
            try {
                return CommandParser.parse(in, utf8);
            } catch (CommandSyntaxException e) {
                return null;
            }
        });
    }

    @Test
    void linearOnLongArguments() {
        Fuzzing.linear("long MAIL parameters", 2000, n -> ("MAIL FROM:<a@b> " + Fuzzing.repeat("X=Y ", 4 * n)).getBytes(StandardCharsets.US_ASCII), CommandParserFuzzTest::parse);
        Fuzzing.linear("quoted local part", 2000, n -> ("RCPT TO:<\"" + Fuzzing.repeat("\\\"", 2 * n) + "\"@b>").getBytes(StandardCharsets.US_ASCII), CommandParserFuzzTest::parse);
        Fuzzing.linear("source route", 2000, n -> ("RCPT TO:<" + Fuzzing.repeat("@a,", 3 * n) + "@a:b@c>").getBytes(StandardCharsets.US_ASCII), CommandParserFuzzTest::parse);
        Fuzzing.linear("HELO spaces", 2000, n -> ("HELO " + Fuzzing.repeat(" ", 10 * n) + "x").getBytes(StandardCharsets.US_ASCII), CommandParserFuzzTest::parse);
    }

    private static void parse(byte[] line) {
        try {
            CommandParser.parse(line, true);
        } catch (CommandSyntaxException expected) {
            // the time is what is measured
        }
    }
}
