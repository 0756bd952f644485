package org.twinmail.imap;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreAuthenticator;
import org.twinmail.store.embedded.StoreOptions;

/** A real embedded store in a temporary directory plus IMAP servers on it. */
final class ImapFixture implements AutoCloseable {
    static final String DOMAIN = "example.com";
    static final String PASSWORD = "correct horse";
    private static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);
    private static final AtomicInteger USERS = new AtomicInteger();

    final MailStore store;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StoreAuthenticator authenticator;
    private final List<ImapServer> servers = new ArrayList<>();
    final Path dataDir;

    ImapFixture(Path dataDir) {
        this.dataDir = dataDir;
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        store.addDomain(DOMAIN);
        authenticator = new StoreAuthenticator(store, Duration.ofMinutes(5));
    }

    ImapServer server(Consumer<TwinmailConfig.Imap> limits) throws IOException {
        return serverWith(c -> limits.accept(c.imap));
    }

    /** A server whose whole configuration {@code tweak} may adjust; spool files go under the fixture's data directory. */
    ImapServer serverWith(Consumer<TwinmailConfig> tweak) throws IOException {
        return serverWith(tweak, null);
    }

    /** As {@link #serverWith(Consumer)}, with {@code guard} as the server's auth guard (null: its own from the configuration). */
    ImapServer serverWith(Consumer<TwinmailConfig> tweak, org.twinmail.protocol.auth.AuthGuard guard) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.dataDir = dataDir.toString();
        config.imap.listen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        ImapServer server = guard == null ? new ImapServer(config, store, store, store, authenticator, registry)
                : new ImapServer(config, store, store, store, authenticator, null, guard, registry);
        server.start();
        servers.add(server);
        return server;
    }

    /** A server whose SEARCH asks {@code index} first (null: none). */
    ImapServer serverWithIndex(org.twinmail.search.SearchIndex index) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.dataDir = dataDir.toString();
        config.imap.listen = List.of(Listen.parse("127.0.0.1:0"));
        ImapServer server = new ImapServer(config, store, store, store, authenticator, null,
                org.twinmail.protocol.auth.AuthGuard.create(config.auth, registry), index, registry);
        server.start();
        servers.add(server);
        return server;
    }

    /** A server with TLS (STARTTLS and IMAPS, self-signed certificate under {@code dataDir/tls}); {@code tweak} adjusts the configuration. */
    ImapServer tlsServer(Path dataDir, Consumer<TwinmailConfig> tweak) throws IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "imap.example.com";
        config.dataDir = dataDir.toString();
        config.imap.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.imap.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        ImapServer server = new ImapServer(config, store, store, store, authenticator, org.twinmail.protocol.tls.Tls.create(config), registry);
        server.start();
        servers.add(server);
        return server;
    }

    static InetSocketAddress address(ImapServer server) {
        return server.boundAddresses().getFirst();
    }

    Account account(long quotaBytes) {
        return account(quotaBytes, DOMAIN);
    }

    /** A new account in {@code domain}, which is added if it is not there yet. */
    Account account(long quotaBytes, String domain) {
        if (store.findDomain(domain).isEmpty()) store.addDomain(domain);
        String address = "user" + USERS.incrementAndGet() + "@" + domain;
        return store.addAccount(EmailAddress.parse(address), HASHER.hash(PASSWORD.toCharArray()), quotaBytes, 0);
    }

    Account account() {
        return account(0);
    }

    /** Delivers {@code content} (CRLF line ends) to the account's INBOX as SMTP would; returns the new UID. */
    long deliver(Account a, String content) {
        return store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(content.getBytes(StandardCharsets.UTF_8)),
                Instant.parse("2024-03-05T10:20:30Z"))).placed().getFirst().uid();
    }

    static String message(String subject, String body) {
        return "From: \"Sender Name\" <sender@example.org>\r\nTo: someone@example.com\r\nSubject: " + subject
                + "\r\nDate: Tue, 05 Mar 2024 10:20:30 +0000\r\nMessage-ID: <" + Math.abs(subject.hashCode()) + "@example.org>\r\n\r\n" + body;
    }

    double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        servers.forEach(ImapServer::close);
        store.close();
    }
}
