package org.twinmail.smtp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * A real embedded store in a temporary directory, with the local domain {@value #DOMAIN}
 * (served by {@value #HOSTNAME}) and SMTP servers on it. One per test class; tests use
 * fresh accounts so they never see each other's mail.
 */
final class SmtpFixture implements AutoCloseable {
    static final String HOSTNAME = "mx.test.example";
    static final String DOMAIN = "test.example";
    private static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);
    private static final AtomicInteger NAMES = new AtomicInteger();

    final Path dataDir;
    final MailStore store;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<SmtpServer> servers = new ArrayList<>();
    private final String passwordHash = HASHER.hash("secret".toCharArray());

    SmtpFixture(Path dataDir) {
        this.dataDir = dataDir;
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        store.addDomain(DOMAIN);
    }

    /** A started server on 127.0.0.1 with an ephemeral port; {@code tweak} adjusts the SMTP settings. */
    InetSocketAddress server(Consumer<TwinmailConfig.Smtp> tweak) throws IOException {
        return serverWith(c -> tweak.accept(c.smtp));
    }

    /** A started server whose whole configuration {@code tweak} may adjust. */
    InetSocketAddress serverWith(Consumer<TwinmailConfig> tweak) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        SmtpServer server = new SmtpServer(config, store, registry);
        server.start();
        servers.add(server);
        return server.boundAddresses().getFirst();
    }

    /**
     * A started MX and submission with TLS (the self-signed certificate of a first start in the
     * data directory) and the store's password check; {@code tweak} adjusts the configuration.
     */
    SmtpServer tlsServers(Consumer<TwinmailConfig> tweak) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = HOSTNAME;
        config.dataDir = dataDir.toString();
        config.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.submission.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.submission.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        org.twinmail.protocol.tls.Tls tls = org.twinmail.protocol.tls.Tls.create(config);
        SmtpServer server = new SmtpServer(config, store,
                new org.twinmail.store.embedded.StoreAuthenticator(store, java.time.Duration.ZERO), tls, registry);
        server.start();
        servers.add(server);
        return server;
    }

    InetSocketAddress server() throws IOException {
        return server(s -> { });
    }

    /** A unique local part, so tests never share a mailbox. */
    static String unique(String prefix) {
        return prefix + NAMES.incrementAndGet();
    }

    Account account(String domain, long quotaBytes, long maxMessageBytes) {
        return store.addAccount(EmailAddress.parse(unique("user") + "@" + domain), passwordHash, quotaBytes, maxMessageBytes);
    }

    Account account() {
        return account(DOMAIN, 0, 0);
    }

    Account account(String address) {
        return store.addAccount(EmailAddress.parse(address), passwordHash, 0, 0);
    }

    /** The account as the store sees it now (usage changes with every delivery). */
    Account reload(Account a) {
        return store.findAccount(a.id()).orElseThrow();
    }

    /** Puts a message of exactly {@code size} bytes straight into the store (to fill quotas). */
    void fill(Account a, int size) {
        if (size < 21) throw new IllegalArgumentException("filler messages have at least 21 bytes");
        byte[] content = ("Subject: filler\r\n\r\n" + "x".repeat(size - 21) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(content), Instant.now()));
    }

    List<MessageEntry> inbox(Account a) {
        Mailbox inbox = store.mailbox(a.id(), "INBOX").orElseThrow();
        return store.messages(inbox.id());
    }

    String content(MessageEntry e) {
        return new String(bytes(e), StandardCharsets.UTF_8);
    }

    byte[] bytes(MessageEntry e) {
        try (InputStream in = store.openBlob(e.blobId())) {
            return in.readAllBytes();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** The only message in the account's INBOX, as text. */
    String only(Account a) {
        List<MessageEntry> entries = inbox(a);
        if (entries.size() != 1) throw new AssertionError("expected one message for " + a.address() + ", found " + entries.size());
        return content(entries.getFirst());
    }

    double rejected(String reason) {
        Counter c = registry.find("twinmail.smtp.messages").tag("outcome", "rejected").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    double accepted() {
        Counter c = registry.find("twinmail.smtp.messages").tag("outcome", "accepted").counter();
        return c == null ? 0 : c.count();
    }

    /** Waits until {@code condition} holds (sessions end asynchronously to the client). */
    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        servers.forEach(SmtpServer::close);
        store.close();
    }
}
