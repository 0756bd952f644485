package org.twinmail.core.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SMS feature's records in the store's {@code Records} role whose format the admin
 * operations share with the {@code sms} module (the queue's own kinds are the module's).
 *
 * <table>
 *   <tr><th>kind</th><th>scope</th><th>name</th><th>value</th></tr>
 *   <tr><td>{@value #SETTINGS}</td><td>{@code account:<id>}</td><td>{@value #NAME}</td><td>{@link SmsSettings#encode()}</td></tr>
 *   <tr><td>{@value #VERIFY}</td><td>{@code account:<id>}</td><td>{@value #NAME}</td>
 *       <td>{@code {"phone":"+...","hash":"<sha-256 hex>","attempts":n}}; the record's expiry is the code's</td></tr>
 * </table>
 */
public final class SmsRecords {
    private SmsRecords() {}

    public static final String SETTINGS = "sms.setting";
    public static final String VERIFY = "sms.verify";
    /** The one name of both kinds in an account's scope. */
    public static final String NAME = "sms";
    /** Wrong codes after which a code no longer counts (a new one must be sent). */
    public static final int MAX_ATTEMPTS = 5;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static String scope(long accountId) {
        return "account:" + accountId;
    }

    /** A verification code sent to {@code phone}, kept as a hash, with the wrong attempts so far. */
    public record Verification(String phone, String hash, int attempts) {
        public byte[] encode() {
            return JSON.createObjectNode().put("phone", phone).put("hash", hash).put("attempts", attempts)
                    .toString().getBytes(StandardCharsets.UTF_8);
        }

        public static Verification decode(byte[] value) {
            try {
                JsonNode n = JSON.readTree(value);
                return new Verification(n.path("phone").asText(""), n.path("hash").asText(""), n.path("attempts").asInt(0));
            } catch (IOException e) {
                throw new IllegalArgumentException("not an SMS verification: " + e.getMessage(), e);
            }
        }

        /** Whether {@code code} is the one sent (constant-time comparison). */
        public boolean matches(long accountId, String code) {
            return MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                    codeHash(accountId, phone, code.strip()).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The hash a code is kept as: SHA-256 of the account, the phone and the code. */
    public static String codeHash(long accountId, String phone, String code) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((accountId + "\n" + phone + "\n" + code).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
