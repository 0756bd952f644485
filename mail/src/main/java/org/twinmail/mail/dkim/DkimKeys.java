package org.twinmail.mail.dkim;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;

/**
 * Where each domain's DKIM private key lives, and the keys themselves. A domain signs with
 * one selector: its entry in {@code relay.dkim.domains}, else {@code relay.dkim.selector}.
 * The key is that entry's file, else {@code <dataDir>/dkim/<domain>.<selector>.pem}; a domain
 * whose file does not exist is not signed. Files are read when first needed and again when
 * they change (size or modification time), so a key generated or replaced while the server
 * runs is used from the next message on, without a restart (a key file that was missing is
 * looked for again after a second, or at once when {@link #generate} wrote it).
 *
 * <p>Keys are RSA (RFC 8301: rsa-sha256, at least 1024 bits; 2048 by default). Thread-safe.
 */
public final class DkimKeys {
    private static final Logger log = LoggerFactory.getLogger(DkimKeys.class);
    public static final int DEFAULT_BITS = 2048;
    /** RFC 8301 3.2: verifiers must accept 1024 to 4096 bits; smaller keys are refused. */
    public static final int MIN_BITS = 1024;
    public static final int MAX_BITS = 4096;
    /** Lower-case A-labels joined by dots: also keeps the name from leaving the key directory. */
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    /** A selector is one or more DNS labels (RFC 6376 3.1); underscores are common in practice. */
    private static final Pattern SELECTOR = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path directory;
    private final String defaultSelector;
    private final Map<String, TwinmailConfig.DkimDomain> domains;
    private final Map<Path, Loaded> cache = new ConcurrentHashMap<>();
    /**
     * Key files found missing, until when that answer stands: most domains have no key, and
     * looking for their file on every outbound message was a failed stat and an exception each
     * (6,000 in a minute of the benchmark's maximum). A key written meanwhile is seen within this
     * time; one written by {@link #generate} at once.
     */
    private final Map<Path, Long> absentUntil = new ConcurrentHashMap<>();
    private static final long ABSENT_RECHECK_NANOS = 1_000_000_000L;

    /** A key for signing: the private half with the selector and domain it signs for. */
    public record Key(String domain, String selector, PrivateKey privateKey, Path file) {}

    private record Loaded(FileTime modified, long size, PrivateKey key, RSAPublicKey publicKey) {}

    /**
     * @param directory where keys are written and, unless configured otherwise, read ({@code <dataDir>/dkim})
     * @param defaultSelector the selector of a domain not in {@code domains}
     * @param domains per-domain selectors and key files
     */
    public DkimKeys(Path directory, String defaultSelector, Iterable<TwinmailConfig.DkimDomain> domains) {
        this.directory = directory.toAbsolutePath().normalize();
        this.defaultSelector = selectorName(defaultSelector, "relay.dkim.selector");
        Map<String, TwinmailConfig.DkimDomain> m = new HashMap<>();
        for (TwinmailConfig.DkimDomain d : domains) {
            if (d.domain == null) throw new IllegalArgumentException("relay.dkim.domains: an entry without domain");
            String name = domainName(d.domain, "relay.dkim.domains");
            String selector = selectorName(d.selector == null ? this.defaultSelector : d.selector, "relay.dkim.domains " + name + " selector");
            if (m.put(name, new TwinmailConfig.DkimDomain(name, selector, d.key == null ? "" : d.key)) != null) {
                throw new IllegalArgumentException("relay.dkim.domains: " + name + " is listed twice");
            }
        }
        this.domains = Map.copyOf(m);
    }

    /** The keys {@code relay.dkim} describes, under {@code <dataDir>/dkim}; a bad name is a configuration error. */
    public static DkimKeys fromConfig(TwinmailConfig.Relay.Dkim dkim, Path dataDir) {
        return new DkimKeys(dataDir.resolve("dkim"), dkim.selector, dkim.domains);
    }

    /** The selector {@code domain} signs with. */
    public String selector(String domain) {
        String d = domainName(domain, "domain");
        TwinmailConfig.DkimDomain c = domains.get(d);
        return c == null ? defaultSelector : c.selector;
    }

    /** The key file of {@code domain} for {@code selector} (the configured file when that is the domain's selector). */
    public Path keyFile(String domain, String selector) {
        String d = domainName(domain, "domain");
        String s = selectorName(selector, "selector");
        TwinmailConfig.DkimDomain c = domains.get(d);
        if (c != null && c.selector.equals(s) && !c.key.isBlank()) return Path.of(c.key).toAbsolutePath().normalize();
        return directory.resolve(d + "." + s + ".pem");
    }

    /** The key {@code domain} signs with now, or empty when its file does not exist. */
    public Optional<Key> signingKey(String domain) throws IOException {
        String d = domainName(domain, "domain");
        String s = selector(d);
        Path file = keyFile(d, s);
        Optional<Loaded> k = load(file);
        return k.map(l -> new Key(d, s, l.key(), file));
    }

    /** The DNS record of the key {@code domain} signs with now, or empty when it has none. */
    public Optional<DkimRecord> record(String domain) throws IOException {
        String d = domainName(domain, "domain");
        String s = selector(d);
        Path file = keyFile(d, s);
        return load(file).map(l -> new DkimRecord(d, s, file, l.publicKey()));
    }

    /**
     * Generates an RSA key for {@code domain} and {@code selector} (null: the domain's current
     * selector) and writes it, mode 0600, to its key file. An existing file is never replaced:
     * to change keys, generate one under a new selector, publish its record, then switch the
     * domain to it in {@code relay.dkim.domains}.
     *
     * @throws FileAlreadyExistsException when the key file exists
     */
    public DkimRecord generate(String domain, String selector, int bits) throws IOException {
        String d = domainName(domain, "domain");
        String s = selector == null || selector.isBlank() ? selector(d) : selectorName(selector, "selector");
        if (bits < MIN_BITS || bits > MAX_BITS) throw new IllegalArgumentException("key size must be " + MIN_BITS + " to " + MAX_BITS + " bits, not " + bits);
        Path file = keyFile(d, s);
        if (Files.exists(file)) throw new FileAlreadyExistsException(file.toString(), null, "a DKIM key for " + d + " selector " + s + " exists");
        KeyPair pair;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            pair = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an RSA key: " + e.getMessage(), e);
        }
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: its own access rules apply
            }
        }
        // Written under a temporary name created 0600 (never readable by others, not even for an
        // instant), then linked into place: a reader sees no key or the whole key.
        Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
                w.write("-----BEGIN PRIVATE KEY-----\n");
                w.write(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded()));
                w.write("\n-----END PRIVATE KEY-----\n");
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            // A hard link, not a rename: rename(2) would silently replace a key that appeared
            // meanwhile, while link(2) fails if the name exists, so the first key stays.
            Files.createLink(file, tmp);
            absentUntil.remove(file);
        } finally {
            Files.deleteIfExists(tmp);
        }
        log.info("generated a {}-bit DKIM key for {} selector {} in {}", bits, d, s, file);
        return new DkimRecord(d, s, file, (RSAPublicKey) pair.getPublic());
    }

    private Optional<Loaded> load(Path file) throws IOException {
        Long absent = absentUntil.get(file);
        if (absent != null && System.nanoTime() - absent < 0) return Optional.empty();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            cache.remove(file);
            absentUntil.put(file, System.nanoTime() + ABSENT_RECHECK_NANOS);
            return Optional.empty();
        }
        absentUntil.remove(file);
        Loaded cached = cache.get(file);
        if (cached != null && cached.modified().equals(attrs.lastModifiedTime()) && cached.size() == attrs.size()) return Optional.of(cached);
        Loaded loaded = read(file, attrs);
        cache.put(file, loaded);
        return Optional.of(loaded);
    }

    private static Loaded read(Path file, BasicFileAttributes attrs) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                log.warn("DKIM key {} is readable by others ({}); it should be mode 0600", file, PosixFilePermissions.toString(perms));
            }
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        PrivateKey key = null;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = p.readObject(); o != null && key == null; o = p.readObject()) {
                if (o instanceof PEMKeyPair pair) key = converter.getPrivateKey(pair.getPrivateKeyInfo()); // "RSA PRIVATE KEY"
                else if (o instanceof PrivateKeyInfo info) key = converter.getPrivateKey(info); // "PRIVATE KEY" (PKCS#8)
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot read the DKIM key: " + e.getMessage(), e);
        }
        if (key == null) throw new IOException(file + ": no unencrypted PRIVATE KEY or RSA PRIVATE KEY block");
        if (!(key instanceof RSAPrivateCrtKey rsa)) throw new IOException(file + ": a DKIM key must be RSA (rsa-sha256), not " + key.getAlgorithm());
        int bits = rsa.getModulus().bitLength();
        if (bits < MIN_BITS) throw new IOException(file + ": a " + bits + "-bit key is too weak for DKIM (RFC 8301: at least " + MIN_BITS + ")");
        RSAPublicKey pub;
        try {
            pub = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        return new Loaded(attrs.lastModifiedTime(), attrs.size(), key, pub);
    }

    /** {@code name} in lower case if it is a domain name, else IllegalArgumentException naming {@code what}. */
    public static String domainName(String name, String what) {
        String d = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        try {
            d = java.net.IDN.toASCII(d, java.net.IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT); // d= is an A-label name (RFC 6376 3.5)
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not a domain name: " + name);
        }
        if (!DOMAIN.matcher(d).matches()) throw new IllegalArgumentException(what + ": not a domain name: " + name);
        return d;
    }

    /** {@code name} in lower case if it is a selector, else IllegalArgumentException naming {@code what}. */
    public static String selectorName(String name, String what) {
        String s = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (!SELECTOR.matcher(s).matches()) throw new IllegalArgumentException(what + ": not a DKIM selector (DNS labels): " + name);
        return s;
    }
}
