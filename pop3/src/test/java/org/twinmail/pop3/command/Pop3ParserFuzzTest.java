package org.twinmail.pop3.command;

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
 * Fuzz target for the POP3 parser (docs/fuzzing.md): a command line, or a line inside an AUTH
 * exchange, is a command or a {@link ParseError}; the parser throws nothing.
 * Regression inputs: {@code src/test/resources/org/twinmail/pop3/command/Pop3ParserFuzzTestInputs/<target>}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class Pop3ParserFuzzTest {

    @FuzzTest
    @DictionaryEntries({"USER ", "PASS ", "AUTH PLAIN ", "AUTH LOGIN", "TOP ", "RETR ", "LIST ", "UIDL ", "DELE ", "CAPA", "STLS", "QUIT"})
    void commandLine(FuzzedDataProvider data) {
        State state = data.pickValue(State.values());
        boolean tooLong = data.consumeProbabilityFloat() < 0.05f;
        byte[] line = cap(data.consumeRemainingAsBytes());
        ParseResult r = Fuzzing.parse(() -> Pop3Parser.parse(line, tooLong, state));
        assertThat(r).isNotNull();
        if (r instanceof ParseError e) assertThat(e.text()).matches("[\\x20-\\x7e]*");
        Fuzzing.bounded("command", r.toString().length(), line.length, 4, 200);
    }

    @FuzzTest
    void saslResponse(FuzzedDataProvider data) {
        boolean tooLong = data.consumeProbabilityFloat() < 0.05f;
        byte[] line = cap(data.consumeRemainingAsBytes());
        SaslResponse r = Fuzzing.parse(() -> Pop3Parser.parseSaslResponse(line, tooLong));
        assertThat(r).isNotNull();
    }

    @Test
    void linearOnLongArguments() {
        Fuzzing.linear("many arguments", 2000, n -> ("TOP " + Fuzzing.repeat("1 ", 5 * n)).getBytes(StandardCharsets.US_ASCII),
                l -> Pop3Parser.parse(l, false, State.TRANSACTION));
        Fuzzing.linear("long password", 2000, n -> ("PASS " + Fuzzing.repeat("\u00e9", 10 * n)).getBytes(StandardCharsets.UTF_8),
                l -> Pop3Parser.parse(l, false, State.AUTHORIZATION));
        Fuzzing.linear("long sasl response", 2000, n -> Fuzzing.repeat("QUFB", 10 * n).getBytes(StandardCharsets.US_ASCII),
                l -> Pop3Parser.parseSaslResponse(l, false));
    }

    private static byte[] cap(byte[] b) {
        return b.length <= Fuzzing.MAX_INPUT ? b : Arrays.copyOf(b, Fuzzing.MAX_INPUT);
    }
}
