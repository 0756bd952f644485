package org.twinmail.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.AdminOperations.AdminInfo;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.mail.Printable;
import org.twinmail.store.Directory;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The console's administrators, kept in the store ({@link Records} kind {@value #KIND}, global
 * scope, one record per login name), so they go with the data to the standby. A record's value
 * is JSON: {@code {"role":"global"|"domain","domains":[...],"password":"$argon2id$...",
 * "totp":"<base32>","enabled":true,"created":"<instant>","lastStep":<n>}}; {@code lastStep}
 * is the TOTP step last accepted, so a code works once (written with a compare-and-set).
 */
public final class Administrators {
    public static final String KIND = "admin.principal";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A hash to verify against when the name is unknown, so a login takes as long whether or not the administrator exists. */
    private volatile String decoyHash;

    private final Records records;
    private final Directory directory;
    private final PasswordHasher hasher;
    private final String issuer;

    /** The stored form. */
    record Stored(String role, List<String> domains, String password, String totp, boolean enabled, String created, long lastStep) { }

    /** @param issuer the name authenticator apps show beside the code (the server's host name) */
    public Administrators(Records records, Directory directory, PasswordHasher hasher, String issuer) {
        this.records = records;
        this.directory = directory;
        this.hasher = hasher;
        this.issuer = issuer == null || issuer.isBlank() ? "TwinMail" : issuer;
    }

    public List<AdminInfo> list() {
        List<AdminInfo> out = new ArrayList<>();
        for (StoredRecord r : AdminService.call(() -> records.records(KIND, ""), e -> null)) out.add(info(r.name(), read(r)));
        return out;
    }

    /** Creates an administrator with a new TOTP secret, returned once (the console and the CLI show it as an otpauth URI). */
    public AdminCreated add(String name, char[] password, String role, List<String> domains) {
        String n = name(name);
        boolean global = role(role);
        List<String> ds = domains(global, domains);
        checkPassword(password);
        String secret = Totp.newSecret();
        Stored s = new Stored(global ? "global" : "domain", ds, hasher.hash(password), secret, true, Instant.now().toString(), 0);
        if (AdminService.call(() -> records.putRecordIf(KIND, "", n, 0, write(s), 0), e -> null).isEmpty()) {
            throw new AdminException(Kind.CONFLICT, "administrator " + n + " already exists");
        }
        return new AdminCreated(info(n, s), secret, Totp.uri(issuer, n, secret));
    }

    /**
     * Changes the non-null fields; {@code newTotp} gives the administrator a new secret (a lost
     * phone), returned in the result as on creation.
     */
    public AdminCreated update(String name, char[] password, String role, List<String> domains, Boolean enabled, boolean newTotp) {
        String n = name(name);
        for (int attempt = 0; ; attempt++) {
            StoredRecord r = AdminService.call(() -> records.record(KIND, "", n), e -> null)
                    .orElseThrow(() -> new AdminException(Kind.NOT_FOUND, "administrator " + n + " does not exist"));
            Stored s = read(r);
            boolean global = role == null ? s.role().equals("global") : role(role);
            List<String> ds = domains == null && role == null ? s.domains() : domains(global, domains == null ? s.domains() : domains);
            String hash = s.password();
            if (password != null) {
                checkPassword(password);
                hash = hasher.hash(password);
            }
            String secret = newTotp ? Totp.newSecret() : s.totp();
            Stored u = new Stored(global ? "global" : "domain", ds, hash, secret, enabled == null ? s.enabled() : enabled, s.created(),
                    newTotp ? 0 : s.lastStep());
            if (AdminService.call(() -> records.putRecordIf(KIND, "", n, r.version(), write(u), 0), e -> null).isPresent()) {
                return new AdminCreated(info(n, u), newTotp ? secret : null, newTotp ? Totp.uri(issuer, n, secret) : null);
            }
            if (attempt > 5) throw new AdminException(Kind.CONFLICT, "administrator " + n + " changed meanwhile; try again");
        }
    }

    public void remove(String name) {
        String n = name(name);
        if (!AdminService.call(() -> records.deleteRecord(KIND, "", n), e -> null)) {
            throw new AdminException(Kind.NOT_FOUND, "administrator " + n + " does not exist");
        }
    }

    /**
     * Checks a console login: the password (Argon2id) and the TOTP code of the current step
     * (one step of clock skew either way), each code once. Empty for any failure, with no hint
     * of which part was wrong; the same work is done for an unknown name.
     */
    public Optional<AdminPrincipal> verify(String name, char[] password, String code, long unixSeconds) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        Optional<StoredRecord> r = NAME.matcher(n).matches() ? records.record(KIND, "", n) : Optional.empty();
        if (r.isEmpty()) {
            if (decoyHash == null) decoyHash = hasher.hash("not-an-administrator".toCharArray());
            PasswordHasher.verify(password, decoyHash);
            return Optional.empty();
        }
        Stored s = read(r.get());
        boolean passwordOk = PasswordHasher.verify(password, s.password());
        long step = Totp.matchingStep(s.totp(), code, unixSeconds);
        if (!passwordOk || step < 0 || step <= s.lastStep() || !s.enabled()) return Optional.empty();
        Stored used = new Stored(s.role(), s.domains(), s.password(), s.totp(), s.enabled(), s.created(), step);
        // The compare-and-set makes a code single-use even if two logins race with it.
        if (records.putRecordIf(KIND, "", n, r.get().version(), write(used), 0).isEmpty()) return Optional.empty();
        return Optional.of(new AdminPrincipal(n, s.role().equals("global"), new TreeSet<>(s.domains()), "console"));
    }

    /** The administrator as they are now (a session re-reads it, so a removal or a role change applies at once); empty if removed or disabled. */
    public Optional<AdminPrincipal> current(String name, String via) {
        return records.record(KIND, "", name).map(Administrators::read).filter(Stored::enabled)
                .map(s -> new AdminPrincipal(name, s.role().equals("global"), new TreeSet<>(s.domains()), via));
    }

    private static AdminInfo info(String name, Stored s) {
        return new AdminInfo(name, s.role(), s.domains(), s.enabled(), s.created());
    }

    private List<String> domains(boolean global, List<String> domains) {
        if (global) {
            if (domains != null && !domains.isEmpty()) throw AdminService.invalid("a global administrator manages every domain: give no domains");
            return List.of();
        }
        if (domains == null || domains.isEmpty()) throw AdminService.invalid("a domain administrator needs at least one domain");
        TreeSet<String> out = new TreeSet<>();
        for (String d : domains) {
            String name = AdminService.domainName(d);
            if (AdminService.call(() -> directory.findDomain(name), e -> null).isEmpty()) throw AdminService.notFound(AdminService.noDomain(name));
            out.add(name);
        }
        return List.copyOf(out);
    }

    private static boolean role(String role) {
        if (role == null) throw AdminService.invalid("missing role: global or domain");
        return switch (role.strip().toLowerCase(Locale.ROOT)) {
            case "global" -> true;
            case "domain" -> false;
            default -> throw AdminService.invalid("role must be global or domain, not " + Printable.of(role));
        };
    }

    static String name(String name) {
        if (name == null || name.isBlank()) throw AdminService.invalid("no administrator name given");
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (!NAME.matcher(n).matches()) {
            throw AdminService.invalid("not an administrator name: " + Printable.of(name) + " (letters, digits and . _ @ -, at most 64)");
        }
        return n;
    }

    private static void checkPassword(char[] password) {
        if (password == null || password.length < 10) throw AdminService.invalid("an administrator's password has at least 10 characters");
    }

    private static Stored read(StoredRecord r) {
        try {
            return JSON.readValue(r.value(), Stored.class);
        } catch (IOException e) {
            throw new AdminException(Kind.UNAVAILABLE, "administrator record " + r.name() + " is unreadable: " + AdminService.oneLine(e.getMessage()));
        }
    }

    private static byte[] write(Stored s) {
        try {
            return JSON.writeValueAsBytes(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
