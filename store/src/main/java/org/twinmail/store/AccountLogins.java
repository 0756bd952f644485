package org.twinmail.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What decides whether an account may log in besides its password, kept as the account's records
 * (kind {@value #KIND}, scope {@code account:<id>}, so they go when the account is removed and move
 * with the store in a failover): whether the account is disabled (name {@value #DISABLED}, value
 * {@code {"since","reason"}}), and its app passwords (name {@code app:<name>}, value
 * {@code {"sha256","created"}}). One read of the account's records answers a login ({@link #login}).
 *
 * <p>An app password is 16 random lower-case letters (about 75 bits) made here and shown once,
 * written {@code abcd-efgh-ijkl-mnop}; a login may type it with or without the dashes and spaces,
 * in either case. Since it is random and long, not chosen by a person, it is kept as its SHA-256
 * (a guess costs the same whatever the hash; Argon2id protects guessable passwords), so a login
 * checks every app password of the account at the cost of a few digests, not Argon2 runs.
 */
public final class AccountLogins {
    public static final String KIND = "account.login";
    static final String DISABLED = "disabled";
    static final String APP = "app:";
    /** At most this many app passwords per account. */
    public static final int MAX_APP_PASSWORDS = 20;
    /** The longest name of an app password, in characters. */
    public static final int MAX_NAME = 64;
    private static final int LETTERS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Records records;

    public AccountLogins(Records records) {
        this.records = records;
    }

    /** Why an account is disabled, and since when (ISO-8601 instant). */
    public record Disabled(String since, String reason) { }

    /** An app password as listed: its name and when it was made (ISO-8601); the password itself is never kept. */
    public record AppPassword(String name, String created) { }

    /** A login's view of an account: disabled or not, and the digests of its app passwords. */
    public record Login(Optional<Disabled> disabled, List<byte[]> appPasswordDigests) {
        public static final Login NONE = new Login(Optional.empty(), List.of());

        /** Whether {@code password} is one of the account's app passwords (constant time per digest). */
        public boolean matchesAppPassword(char[] password) {
            if (appPasswordDigests.isEmpty()) return false;
            byte[] d = digestOfTyped(password);
            if (d == null) return false;
            boolean match = false;
            for (byte[] x : appPasswordDigests) match |= MessageDigest.isEqual(x, d);
            return match;
        }
    }

    /** The account's login state, in one read of its records. */
    public Login login(long accountId) {
        Optional<Disabled> disabled = Optional.empty();
        List<byte[]> digests = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, Records.accountScope(accountId))) {
            JsonNode v = json(r);
            if (r.name().equals(DISABLED)) {
                disabled = Optional.of(new Disabled(v.path("since").asText(null), v.path("reason").asText(null)));
            } else if (r.name().startsWith(APP) && v.path("sha256").isTextual()) {
                try {
                    digests.add(HexFormat.of().parseHex(v.path("sha256").asText()));
                } catch (IllegalArgumentException e) {
                    // not a digest: this record cannot match anything
                }
            }
        }
        return new Login(disabled, List.copyOf(digests));
    }

    public Optional<Disabled> disabled(long accountId) {
        return records.record(KIND, Records.accountScope(accountId), DISABLED).map(r -> {
            JsonNode v = json(r);
            return new Disabled(v.path("since").asText(null), v.path("reason").asText(null));
        });
    }

    /** The ids of every disabled account (one read, for lists). */
    public java.util.Set<Long> disabledAccounts() {
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (StoredRecord r : records.records(KIND)) {
            if (r.name().equals(DISABLED) && r.scope().startsWith("account:")) {
                try {
                    out.add(Long.parseLong(r.scope().substring("account:".length())));
                } catch (NumberFormatException e) {
                    // not an account scope
                }
            }
        }
        return out;
    }

    /** Disables the account (logins refused on every protocol, mail to it refused); keeps the first "since" if it already is. */
    public void disable(long accountId, String reason, Instant now) {
        if (disabled(accountId).isPresent()) return;
        ObjectNode v = JSON.createObjectNode();
        v.put("since", now.toString());
        if (reason != null && !reason.isBlank()) v.put("reason", reason.strip());
        records.putRecord(KIND, Records.accountScope(accountId), DISABLED, bytes(v), 0);
    }

    public void enable(long accountId) {
        records.deleteRecord(KIND, Records.accountScope(accountId), DISABLED);
    }

    /** The account's app passwords by name. */
    public List<AppPassword> appPasswords(long accountId) {
        List<AppPassword> out = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, Records.accountScope(accountId))) {
            if (r.name().startsWith(APP)) out.add(new AppPassword(r.name().substring(APP.length()), json(r).path("created").asText(null)));
        }
        return out;
    }

    /**
     * Makes a new app password named {@code name} and returns it (the only time it is seen); empty
     * when the account already has one of that name. The caller checks the name and the count.
     */
    public Optional<String> addAppPassword(long accountId, String name, Instant now) {
        char[] letters = new char[LETTERS];
        for (int i = 0; i < LETTERS; i++) letters[i] = (char) ('a' + RANDOM.nextInt(26));
        String shown = new String(letters, 0, 4) + "-" + new String(letters, 4, 4) + "-" + new String(letters, 8, 4) + "-" + new String(letters, 12, 4);
        ObjectNode v = JSON.createObjectNode();
        v.put("sha256", HexFormat.of().formatHex(digestOfTyped(letters)));
        v.put("created", now.toString());
        Arrays.fill(letters, '\0');
        return records.putRecordIf(KIND, Records.accountScope(accountId), APP + name, 0, bytes(v), 0).map(r -> shown);
    }

    /** Revokes an app password; false when there was none of that name. */
    public boolean removeAppPassword(long accountId, String name) {
        return records.deleteRecord(KIND, Records.accountScope(accountId), APP + name);
    }

    /**
     * The digest of an app password as a client typed it: dashes and spaces dropped, lower case;
     * null when what is left is not 16 letters (then it is no app password, and no digest is made).
     */
    static byte[] digestOfTyped(char[] typed) {
        char[] letters = new char[LETTERS];
        int n = 0;
        try {
            for (char c : typed) {
                if (c == '-' || c == ' ') continue;
                char l = Character.toLowerCase(c);
                if (l < 'a' || l > 'z' || n == LETTERS) return null;
                letters[n++] = l;
            }
            if (n != LETTERS) return null;
            ByteBuffer b = StandardCharsets.US_ASCII.encode(CharBuffer.wrap(letters));
            byte[] raw = new byte[b.remaining()];
            b.get(raw);
            byte[] d = MessageDigest.getInstance("SHA-256").digest(raw);
            Arrays.fill(raw, (byte) 0);
            return d;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        } finally {
            Arrays.fill(letters, '\0');
        }
    }

    private static JsonNode json(StoredRecord r) {
        try {
            JsonNode n = JSON.readTree(r.value());
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static byte[] bytes(ObjectNode v) {
        try {
            return JSON.writeValueAsBytes(v);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
