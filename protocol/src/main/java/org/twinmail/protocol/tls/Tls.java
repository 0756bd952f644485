package org.twinmail.protocol.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.net.Connection;

/**
 * The server side of TLS for every protocol: one {@link SSLContext} whose certificates can be
 * swapped without a restart, the protocol versions and cipher suites we allow, and the two ways
 * a connection becomes encrypted: {@link #upgrade(Connection)} after STARTTLS/STLS, and an
 * implicit-TLS listener ({@code ConnectionListener} with a {@code Tls}) that wraps at accept.
 *
 * <p>Policy: TLS 1.2 and 1.3 only; AEAD suites with forward secrecy (Mozilla's "intermediate"
 * list without DHE), server order; no compression (the JDK implements none); client-initiated
 * renegotiation refused (a JDK-wide switch, set here before the first handshake unless the
 * operator set it explicitly). TLS 1.3 has no renegotiation at all.
 */
public final class Tls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tls.class);

    static {
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    /** Preference order: TLS 1.3 suites, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2. */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** A set of certificate files that was loaded, for the log and the admin API. */
    public record Loaded(List<String> certificates) { }

    private final List<Path[]> files; // pairs of {certificate, key}
    private final SniKeyManager keyManager;
    private final SSLContext context;
    private final SSLParameters parameters;
    private final Duration checkInterval;
    private final Duration handshakeTimeout;
    private Map<Path, String> stamps;
    private volatile boolean closed;
    private volatile Thread watcher;

    private Tls(List<Path[]> files, List<CertifiedKey> keys, List<String> protocols, Duration checkInterval,
                Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
        this.files = List.copyOf(files);
        this.keyManager = new SniKeyManager(keys);
        this.checkInterval = checkInterval;
        this.stamps = stamps(files);
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS context", e);
        }
        parameters = context.getDefaultSSLParameters();
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        parameters.setProtocols(protocols.toArray(String[]::new));
        parameters.setCipherSuites(CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        parameters.setWantClientAuth(false);
    }

    /**
     * Loads the configured certificates, or, with none configured, the self-signed one in
     * {@code dataDir/tls} (generated and announced in the log on the first start).
     *
     * @throws IllegalArgumentException for a configuration that cannot work (bad files, old protocols)
     */
    public static Tls create(TwinmailConfig config) throws IOException {
        return create(config, Path.of(config.dataDir, "tls"));
    }

    /**
     * As {@link #create(TwinmailConfig)}, with the self-signed certificate kept in
     * {@code selfSignedDir} (a pair node keeps it in its node-local state directory, since the
     * data directory is mounted only on the active node).
     */
    public static Tls create(TwinmailConfig config, Path selfSignedDir) throws IOException {
        TwinmailConfig.Tls t = config.tls;
        for (String p : t.protocols) {
            if (!ALLOWED_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("tls.protocols: " + p + " is not allowed (only TLSv1.3 and TLSv1.2)");
            }
        }
        if (t.protocols.isEmpty()) throw new IllegalArgumentException("tls.protocols must name TLSv1.3, TLSv1.2 or both");
        if (t.reloadCheckInterval.isNegative() || t.reloadCheckInterval.isZero()) {
            throw new IllegalArgumentException("tls.reloadCheckInterval must be positive");
        }
        if (t.handshakeTimeout == null || t.handshakeTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("tls.handshakeTimeout must be positive");
        }
        List<Path[]> files = new ArrayList<>();
        if (t.certificates.isEmpty()) {
            Path dir = selfSignedDir;
            Path cert = SelfSigned.certificateFile(dir);
            Path key = SelfSigned.keyFile(dir);
            if (!Files.exists(cert) || !Files.exists(key)) {
                SelfSigned.generate(config.hostname, dir);
                log.warn("tls: no certificate configured (tls.certificates); generated a self-signed certificate for {} in {}."
                        + " Clients will not trust it: configure a real one.", config.hostname, cert);
            }
            files.add(new Path[] {cert, key});
        } else {
            for (TwinmailConfig.CertificateFiles f : t.certificates) {
                if (f == null || f.certificate == null || f.key == null) {
                    throw new IllegalArgumentException("tls.certificates: every entry needs certificate and key");
                }
                files.add(new Path[] {Path.of(f.certificate), Path.of(f.key)});
            }
        }
        List<CertifiedKey> keys;
        try {
            keys = loadAll(files);
        } catch (PemFiles.PemException e) {
            throw new IllegalArgumentException("tls: " + e.getMessage(), e);
        }
        Tls tls = new Tls(files, keys, t.protocols, t.reloadCheckInterval, t.handshakeTimeout);
        keys.forEach(k -> log.info("tls: serving {}", k.describe()));
        return tls;
    }

    /** For tests and embedders: TLS with exactly these files, checked every {@code checkInterval}. */
    public static Tls of(List<Path[]> files, Duration checkInterval) throws PemFiles.PemException {
        return of(files, checkInterval, new TwinmailConfig.Tls().handshakeTimeout);
    }

    /** As {@link #of(List, Duration)}, with handshakes bounded by {@code handshakeTimeout}. */
    public static Tls of(List<Path[]> files, Duration checkInterval, Duration handshakeTimeout) throws PemFiles.PemException {
        return new Tls(files, loadAll(files), List.of("TLSv1.3", "TLSv1.2"), checkInterval, handshakeTimeout);
    }

    /**
     * {@code tls.handshakeTimeout}: the longest a handshake may take as a whole. STARTTLS and the
     * implicit-TLS listeners apply it themselves; a server that runs its own TLS (HTTPS) should
     * pass it to its library.
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    private static List<CertifiedKey> loadAll(List<Path[]> files) throws PemFiles.PemException {
        List<CertifiedKey> keys = new ArrayList<>();
        for (Path[] f : files) keys.add(PemFiles.load(f[0], f[1]));
        return keys;
    }

    /**
     * Reads the certificate files again. On success new handshakes use the new certificates
     * at once (connections already open keep theirs); on failure nothing changes and the
     * exception says which file is wrong.
     */
    public synchronized Loaded reload() throws PemFiles.PemException {
        Map<Path, String> now = stamps(files);
        List<CertifiedKey> keys = loadAll(files);
        keyManager.replace(keys);
        stamps = now;
        List<String> names = keys.stream().map(CertifiedKey::describe).toList();
        names.forEach(n -> log.info("tls: reloaded, serving {}", n));
        return new Loaded(names);
    }

    /** When each served certificate expires, by its first name (the console's certificate alert). */
    public Map<String, java.time.Instant> expiries() {
        Map<String, java.time.Instant> out = new java.util.TreeMap<>();
        for (CertifiedKey k : keyManager.keys()) {
            String name = k.names().isEmpty() ? k.certificateFile().getFileName().toString() : k.names().stream().sorted().findFirst().orElseThrow();
            out.merge(name, k.leaf().getNotAfter().toInstant(), (a, b) -> a.isBefore(b) ? a : b);
        }
        return out;
    }

    /** The certificates served now. */
    public Loaded current() {
        return new Loaded(keyManager.keys().stream().map(CertifiedKey::describe).toList());
    }

    /** Starts checking the files every {@code tls.reloadCheckInterval}; a change triggers {@link #reload()}. */
    public void watch() {
        watcher = Thread.ofVirtual().name("tls-reload-check").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(checkInterval);
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) return;
                Map<Path, String> now = stamps(files);
                boolean changed;
                synchronized (this) {
                    changed = !now.equals(stamps);
                }
                if (!changed) continue;
                try {
                    reload();
                } catch (PemFiles.PemException e) {
                    // Probably caught halfway through a renewal (key written, chain not yet): keep
                    // the old certificates and look again next time; the stamps stay old on purpose.
                    log.warn("tls: certificate files changed but cannot be loaded, still serving the old ones: {}", e.getMessage());
                }
            }
        });
    }

    /** Modification time and size of every file: a renewal changes at least one of them. */
    private static Map<Path, String> stamps(List<Path[]> files) {
        Map<Path, String> m = new HashMap<>();
        for (Path[] pair : files) {
            for (Path p : pair) {
                try {
                    m.put(p, Files.getLastModifiedTime(p).toMillis() + "/" + Files.size(p));
                } catch (IOException e) {
                    m.put(p, "missing");
                }
            }
        }
        return m;
    }

    /** The context, for services that run their own TLS (the JDK's HttpsServer). */
    public SSLContext context() {
        return context;
    }

    /** A copy of our protocol and cipher-suite policy, for {@link #context()} users. */
    public SSLParameters parameters() {
        SSLParameters p = new SSLParameters(parameters.getCipherSuites(), parameters.getProtocols());
        p.setUseCipherSuitesOrder(true);
        return p;
    }

    /**
     * A server-side TLS socket layered over {@code raw} (not yet handshaken). Closing it closes
     * {@code raw}.
     */
    public SSLSocket wrap(Socket raw) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
        s.setUseClientMode(false);
        s.setSSLParameters(parameters());
        return s;
    }

    /**
     * STARTTLS/STLS: the one call a protocol makes after it has queued its "go ahead" reply.
     * Flushes that reply, runs the handshake, and discards any plaintext the client sent after
     * the command (RFC 3207 section 6, CVE-2011-0411): returns how many bytes were discarded.
     *
     * @throws javax.net.ssl.SSLException if the handshake fails; the connection is then unusable
     */
    public int upgrade(Connection connection) throws IOException {
        return connection.startTls(this);
    }

    /** Protocols and suites in effect, for tests and the start-up log. */
    public List<String> describePolicy() {
        return List.of(String.join(",", parameters.getProtocols()), String.join(",", Arrays.asList(parameters.getCipherSuites())));
    }

    @Override
    public void close() {
        closed = true;
        Thread w = watcher;
        if (w != null) w.interrupt();
    }
}
