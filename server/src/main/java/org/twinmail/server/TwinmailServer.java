package org.twinmail.server;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.http.admin.AdminService;
import org.twinmail.pop3.Pop3Server;
import org.twinmail.smtp.SmtpServer;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreAuthenticator;

/**
 * One running TwinMail node, wired by hand in one readable place: the store, then the
 * protocol services on top of it, then the HTTP endpoints. Start order is bottom-up
 * and stop order top-down, so no service ever runs without its store.
 */
public final class TwinmailServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TwinmailServer.class);

    private final TwinmailConfig config;
    private final Path dataDir;
    private final DataDirLock lock;
    private final PrometheusMeterRegistry registry;
    private final MailStore store;
    private final SmtpServer smtp;
    private final Pop3Server pop3;
    private final HttpService http;

    private TwinmailServer(TwinmailConfig config, Path dataDir, DataDirLock lock) throws IOException {
        this.config = config;
        this.dataDir = dataDir;
        this.lock = lock;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);

        this.store = StoreOpener.open(config, dataDir, registry);
        clearSpool(dataDir.resolve("spool"));
        PasswordHasher hasher = new PasswordHasher(config.auth.argon2MemoryKiB, config.auth.argon2Iterations, 1);
        StoreAuthenticator authenticator = new StoreAuthenticator(store, config.auth.credentialCacheTtl);
        this.smtp = new SmtpServer(config, store, registry);
        this.pop3 = new Pop3Server(config, store, authenticator, registry);
        String token = HexFormat.of().formatHex(randomBytes());
        this.http = new HttpService(config, new AdminService(store, hasher), registry, this::health, token);
        smtp.start();
        pop3.start();
        http.start();
        new RunFile(adminUrl(http.boundAddresses().getFirst()), token, ProcessHandle.current().pid()).write(dataDir);
    }

    /**
     * Starts a node on {@code config}; fails with {@link IllegalStateException} if another
     * process owns the data directory, and with {@link IOException} if a port is taken.
     */
    public static TwinmailServer start(TwinmailConfig config) throws IOException {
        Path dataDir = Path.of(config.dataDir).toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        DataDirLock lock = DataDirLock.tryAcquire(dataDir).orElseThrow(() -> new IllegalStateException(
                "another twinmail process (pid " + DataDirLock.holder(dataDir) + ") is using " + dataDir));
        try {
            return new TwinmailServer(config, dataDir, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Spool files belong to transfers that were in progress when a previous process died;
     * nothing acknowledged lives there (a 250 comes only after the store commit), and we
     * hold the data directory's lock, so no one else is writing them.
     */
    private static void clearSpool(Path spool) throws IOException {
        if (!Files.isDirectory(spool)) return;
        int removed = 0;
        try (var files = Files.newDirectoryStream(spool, "*.spool")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                removed++;
            }
        }
        if (removed > 0) log.info("removed {} spool file(s) left by an interrupted transfer", removed);
    }

    private Health health() {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean up = true;
        try {
            store.lastChangePosition();
            checks.put("store", "ok");
        } catch (RuntimeException e) {
            checks.put("store", String.valueOf(e.getMessage()));
            up = false;
        }
        return new Health(up, checks);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String adminUrl(InetSocketAddress bound) {
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + bound.getPort();
    }

    public MailStore store() {
        return store;
    }

    public Path dataDir() {
        return dataDir;
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    public List<InetSocketAddress> pop3Addresses() {
        return pop3.boundAddresses();
    }

    public List<InetSocketAddress> httpAddresses() {
        return http.boundAddresses();
    }

    /** The line printed at start-up: what listens where. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        smtp.boundAddresses().forEach(a -> parts.add("SMTP " + format(a)));
        pop3.boundAddresses().forEach(a -> parts.add("POP3 " + format(a)));
        http.boundAddresses().forEach(a -> parts.add("HTTP " + format(a)));
        return String.join(", ", parts) + "; data " + dataDir;
    }

    private static String format(InetSocketAddress a) {
        java.net.InetAddress ip = a.getAddress();
        if (ip instanceof java.net.Inet6Address) {
            return "[" + (ip.isAnyLocalAddress() ? "::" : ip.getHostAddress()) + "]:" + a.getPort();
        }
        return ip.getHostAddress() + ":" + a.getPort();
    }

    /** Stops the services, then the store; idempotent. */
    @Override
    public synchronized void close() {
        RunFile.delete(dataDir);
        http.close();
        smtp.close();
        pop3.close();
        store.close();
        lock.close();
        log.info("TwinMail stopped");
    }
}
