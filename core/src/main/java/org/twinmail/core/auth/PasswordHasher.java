package org.twinmail.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}), so the cost can be raised
 * later without invalidating stored hashes. Default cost follows OWASP's minimum
 * for Argon2id (19 MiB, 2 passes, 1 lane). Verification is expensive on purpose;
 * credential caches sit above this class, not in it.
 */
public final class PasswordHasher {
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;

    public PasswordHasher(int memoryKiB, int iterations, int parallelism) {
        this.memoryKiB = memoryKiB;
        this.iterations = iterations;
        this.parallelism = parallelism;
    }

    public static PasswordHasher defaults() {
        return new PasswordHasher(19 * 1024, 2, 1);
    }

    public String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKiB, iterations, parallelism, 32);
        return "$argon2id$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /** Constant-time check of {@code password} against a PHC string; false for any malformed hash. */
    public static boolean verify(char[] password, String phc) {
        if (phc == null) return false;
        String[] parts = phc.split("\\$");
        // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) return false;
        int m = 0, t = 0, p = 0;
        for (String kv : parts[3].split(",")) {
            String[] e = kv.split("=", 2);
            if (e.length != 2) return false;
            int v;
            try { v = Integer.parseInt(e[1]); } catch (NumberFormatException ex) { return false; }
            switch (e[0]) {
                case "m" -> m = v;
                case "t" -> t = v;
                case "p" -> p = v;
                default -> { return false; }
            }
        }
        if (m <= 0 || t <= 0 || p <= 0) return false;
        byte[] salt, expected;
        try {
            salt = B64D.decode(parts[4]);
            expected = B64D.decode(parts[5]);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] actual = derive(password, salt, m, t, p, expected.length);
        return MessageDigest.isEqual(actual, expected);
    }

    private static byte[] derive(char[] password, byte[] salt, int m, int t, int p, int len) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(m).withIterations(t).withParallelism(p).withSalt(salt).build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[len];
        byte[] pw = new String(password).getBytes(StandardCharsets.UTF_8);
        gen.generateBytes(pw, out);
        java.util.Arrays.fill(pw, (byte) 0);
        return out;
    }
}
