package org.twinmail.protocol.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.fuzz.Fuzzing;

/**
 * Fuzz target for the SASL decoding every protocol shares (docs/fuzzing.md): PLAIN's message
 * and LOGIN's two answers, as a client sends them, end in credentials or a {@link
 * SaslMechanism.SaslAbort} (malformed, cancelled, gone); nothing else is thrown.
 * Regression inputs: {@code src/test/resources/org/twinmail/protocol/sasl/SaslFuzzTestInputs/<target>}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SaslFuzzTest {

    @FuzzTest
    void plainMessage(FuzzedDataProvider data) {
        boolean encode = data.consumeBoolean();
        String in = encode ? Base64.getEncoder().encodeToString(data.consumeRemainingAsBytes()) : data.consumeRemainingAsString();
        SaslPlain.Credentials c = Fuzzing.parse(() -> SaslPlain.decode(in), SaslPlain.MalformedResponse.class);
        if (c != null) {
            Fuzzing.bounded("user name", c.authcid().length(), in.length(), 1, 0);
            Fuzzing.bounded("password", c.password().length, in.length(), 1, 0);
        }
    }

    @FuzzTest
    void exchange(FuzzedDataProvider data) {
        SaslMechanism mechanism = data.consumeBoolean() ? new SaslMechanism.Plain() : new SaslMechanism.Login();
        String initial = data.consumeBoolean() ? null : data.consumeString(4096);
        int[] challenges = {0};
        // the client's answers to each challenge: a line, "*" or gone (null)
        SaslChannel channel = base64 -> {
            challenges[0]++;
            if (data.remainingBytes() == 0 || data.consumeProbabilityFloat() < 0.05f) return null;
            return data.consumeBoolean() ? Base64.getEncoder().encodeToString(data.consumeBytes(512)) : data.consumeString(1024);
        };
        SaslPlain.Credentials c = Fuzzing.parse(() -> mechanism.exchange(initial, channel), SaslMechanism.SaslAbort.class);
        assertThat(challenges[0]).isLessThanOrEqualTo(2);
        if (c != null) assertThat(c.authcid()).isNotNull();
    }

    @Test
    void linearOnLongResponses() {
        Fuzzing.linear("long PLAIN", 2000, n -> Base64.getEncoder().encodeToString(("\0user\0" + Fuzzing.repeat("p", 30 * n)).getBytes()), s -> {
            try {
                SaslPlain.decode(s);
            } catch (SaslPlain.MalformedResponse e) {
                throw new AssertionError(e);
            }
        });
        Fuzzing.linear("many NULs", 2000, n -> Base64.getEncoder().encodeToString(Fuzzing.repeat("\0", 30 * n).getBytes()), s -> {
            try {
                SaslPlain.decode(s);
            } catch (SaslPlain.MalformedResponse expected) {
                // the time is what is measured
            }
        });
    }
}
