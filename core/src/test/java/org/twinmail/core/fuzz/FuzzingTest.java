package org.twinmail.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The bounds fuzz tests rely on catch what they are meant to catch. */
class FuzzingTest {

    @Test
    void aQuadraticParserIsCaughtAndALinearOneIsNot() {
        assertThatThrownBy(() -> Fuzzing.linear("quadratic", 1500, n -> Fuzzing.repeat("a", n), FuzzingTest::quadratic))
                .isInstanceOf(AssertionError.class).hasMessageContaining("not linear");
        assertThat(Fuzzing.linear("linear", 20_000, n -> Fuzzing.repeat("ab", n), FuzzingTest::linear)).isLessThan(50);
    }

    @Test
    void onlyTheAllowedErrorsPass() {
        assertThat((Object) Fuzzing.<String>parse(() -> { throw new IOException("typed"); }, IOException.class)).isNull();
        assertThat(Fuzzing.parse(() -> "ok", IOException.class)).isEqualTo("ok");
        assertThatThrownBy(() -> Fuzzing.parse(() -> { throw new IllegalStateException("bug"); }, IOException.class))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Fuzzing.run(() -> { throw new UncheckedIOException(new IOException()); }, IOException.class))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void outputsBeyondTheBoundFail() {
        Fuzzing.bounded("ok", 20, 10, 2, 0);
        assertThatThrownBy(() -> Fuzzing.bounded("fields", 21, 10, 2, 0)).isInstanceOf(AssertionError.class).hasMessageContaining("fields: 21");
    }

    private static int quadratic(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) for (int j = 0; j < s.length(); j++) n += s.charAt(i) ^ s.charAt(j);
        return n;
    }

    private static int linear(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) n += s.charAt(i);
        return n;
    }
}
