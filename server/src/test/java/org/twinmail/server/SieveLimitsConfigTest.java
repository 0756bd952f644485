package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sieve.run.Limits;

/** The Sieve engine's bounds at delivery come from the named config values (issue 17: size, instructions, redirects). */
class SieveLimitsConfigTest {

    @Test
    void theDefaultsAreTheEnginesDefaults() {
        assertThat(TwinmailServer.sieveLimits(new TwinmailConfig())).isEqualTo(Limits.DEFAULTS);
    }

    @Test
    void sizeInstructionsAndRedirectsAreConfigured() {
        TwinmailConfig config = ConfigLoader.parse("""
                managesieve:
                  maxScriptSize: 2K
                  maxInstructions: 50
                  maxRedirects: 2
                """);
        Limits limits = TwinmailServer.sieveLimits(config);
        assertThat(limits.maxScriptBytes()).isEqualTo(2048);
        assertThat(limits.maxInstructions()).isEqualTo(50);
        assertThat(limits.maxRedirects()).isEqualTo(2);
        assertThat(limits.maxIncludeDepth()).isEqualTo(Limits.DEFAULTS.maxIncludeDepth());
        assertThat(limits.maxVariableBytes()).isEqualTo(Limits.DEFAULTS.maxVariableBytes());
    }
}
