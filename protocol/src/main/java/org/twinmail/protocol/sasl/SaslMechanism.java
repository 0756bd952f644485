package org.twinmail.protocol.sasl;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.nio.charset.StandardCharsets;

/**
 * A server-side SASL mechanism that ends with a user name and password for the
 * {@link org.twinmail.core.auth.Authenticator}. Both we offer send the password itself, so
 * they are offered only on encrypted connections unless the configuration says otherwise.
 * (SCRAM-SHA-256 and CRAM-MD5 would need per-account secrets the store does not keep: it
 * holds only Argon2id hashes.)
 */
public sealed interface SaslMechanism {

    String name();

    /**
     * Runs the client's side of the conversation to the end.
     *
     * @param initialResponse the response sent with the command (RFC 4954 "=" already means empty), or null
     */
    SaslPlain.Credentials exchange(String initialResponse, SaslChannel channel) throws IOException, SaslAbort;

    /** The exchange ended without credentials; {@code outcome} says how. */
    final class SaslAbort extends Exception {
        private final SaslOutcome outcome;

        SaslAbort(SaslOutcome outcome) {
            super(outcome.toString(), null, false, false);
            this.outcome = outcome;
        }

        public SaslOutcome outcome() {
            return outcome;
        }
    }

    /** PLAIN (RFC 4616): one message, {@code authzid NUL authcid NUL passwd}; an empty challenge if no initial response. */
    record Plain() implements SaslMechanism {
        public String name() {
            return "PLAIN";
        }

        public SaslPlain.Credentials exchange(String initialResponse, SaslChannel channel) throws IOException, SaslAbort {
            String response = initialResponse != null ? initialResponse : answer(channel, "");
            try {
                return SaslPlain.decode(response);
            } catch (SaslPlain.MalformedResponse e) {
                throw new SaslAbort(new SaslOutcome.Malformed(e.getMessage()));
            }
        }
    }

    /**
     * LOGIN (draft-murchison-sasl-login, what Outlook and many devices still use): the server
     * asks "Username:" then "Password:", each answer base64. An initial response is the user name.
     */
    record Login() implements SaslMechanism {
        private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));
        private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

        public String name() {
            return "LOGIN";
        }

        public SaslPlain.Credentials exchange(String initialResponse, SaslChannel channel) throws IOException, SaslAbort {
            byte[] user = decode(initialResponse != null ? initialResponse : answer(channel, USERNAME));
            byte[] pass = decode(answer(channel, PASSWORD));
            try {
                String name = new String(user, StandardCharsets.UTF_8);
                char[] password = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(pass)).toString().toCharArray();
                if (name.isEmpty() || password.length == 0) throw new SaslAbort(new SaslOutcome.Malformed("empty user name or password"));
                return new SaslPlain.Credentials("", name, password);
            } finally {
                Arrays.fill(pass, (byte) 0);
            }
        }
    }

    private static String answer(SaslChannel channel, String challenge) throws IOException, SaslAbort {
        String line = channel.challenge(challenge);
        if (line == null) throw new SaslAbort(new SaslOutcome.Disconnected());
        if (line.strip().equals("*")) throw new SaslAbort(new SaslOutcome.Cancelled());
        return line;
    }

    private static byte[] decode(String base64) throws SaslAbort {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new SaslAbort(new SaslOutcome.Malformed("not valid base64"));
        }
    }
}
