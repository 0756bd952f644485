package org.twinmail.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 6238 appendix B's test vectors, and the single-window matching the console relies on. */
class TotpTest {
    private static final byte[] SHA1 = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA256 = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA512 = "1234567890123456789012345678901234567890123456789012345678901234".getBytes(StandardCharsets.US_ASCII);
    private static final long[] TIMES = {59L, 1111111109L, 1111111111L, 1234567890L, 2000000000L, 20000000000L};

    @Test
    void rfc6238TestVectors() {
        String[] sha1 = {"94287082", "07081804", "14050471", "89005924", "69279037", "65353130"};
        String[] sha256 = {"46119246", "68084774", "67062674", "91819424", "90698825", "77737706"};
        String[] sha512 = {"90693936", "25091201", "99943326", "93441116", "38618901", "47863826"};
        for (int i = 0; i < TIMES.length; i++) {
            long step = TIMES[i] / 30;
            assertThat(Totp.code(SHA1, step, 8, "HmacSHA1")).as("SHA1 at %d", TIMES[i]).isEqualTo(sha1[i]);
            assertThat(Totp.code(SHA256, step, 8, "HmacSHA256")).as("SHA256 at %d", TIMES[i]).isEqualTo(sha256[i]);
            assertThat(Totp.code(SHA512, step, 8, "HmacSHA512")).as("SHA512 at %d", TIMES[i]).isEqualTo(sha512[i]);
        }
    }

    @Test
    void sixDigitCodesAreTheLastSixOfTheRfcs() {
        String secret = Totp.base32(SHA1);
        assertThat(secret).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"); // RFC 4648's base32 of "1234567890" twice
        assertThat(Totp.code(secret, 59)).isEqualTo("287082");
        assertThat(Totp.code(secret, 1111111109)).isEqualTo("081804");
    }

    @Test
    void base32RoundTrips() {
        for (int n = 0; n < 40; n++) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) (i * 37 + n);
            assertThat(Totp.base32Decode(Totp.base32(b))).isEqualTo(b);
        }
        assertThat(Totp.base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).isEqualTo(SHA1);
    }

    @Test
    void aCodeMatchesItsStepAndTheNeighboursOnly() {
        String secret = Totp.newSecret();
        long t = 1_800_000_000L;
        long step = t / 30;
        assertThat(Totp.matchingStep(secret, Totp.code(secret, t), t)).isEqualTo(step);
        assertThat(Totp.matchingStep(secret, Totp.code(secret, t - 30), t)).isEqualTo(step - 1);
        assertThat(Totp.matchingStep(secret, Totp.code(secret, t + 30), t)).isEqualTo(step + 1);
        assertThat(Totp.matchingStep(secret, Totp.code(secret, t - 90), t)).isEqualTo(-1);
        assertThat(Totp.matchingStep(secret, "12345", t)).isEqualTo(-1);
        assertThat(Totp.matchingStep(secret, "abcdef", t)).isEqualTo(-1);
        assertThat(Totp.matchingStep(secret, null, t)).isEqualTo(-1);
    }

    @Test
    void theUriIsWhatAuthenticatorAppsRead() {
        assertThat(Totp.uri("mail.example.org", "alice", "ABC"))
                .isEqualTo("otpauth://totp/mail.example.org:alice?secret=ABC&issuer=mail.example.org&algorithm=SHA1&digits=6&period=30");
    }
}
