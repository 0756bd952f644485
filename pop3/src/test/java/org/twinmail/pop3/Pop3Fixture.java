package org.twinmail.pop3;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreAuthenticator;
import org.twinmail.store.embedded.StoreOptions;

/** A real embedded store in a temporary directory plus POP3 servers on it, for one test class. */
final class Pop3Fixture implements AutoCloseable {
    static final String DOMAIN = "example.com";
    static final String PASSWORD = "correct horse";
    private static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);
    private static final AtomicInteger USERS = new AtomicInteger();

    final MailStore store;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StoreAuthenticator authenticator;
    private final List<Pop3Server> servers = new ArrayList<>();

    Pop3Fixture(Path dataDir) {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        store.addDomain(DOMAIN);
        authenticator = new StoreAuthenticator(store, Duration.ofMinutes(5));
    }

    /** A started server; {@code limits} adjusts the POP3 settings of the default configuration. */
    Pop3Server server(Consumer<TwinmailConfig.Pop3> limits) throws java.io.IOException {
        return serverWith(c -> limits.accept(c.pop3), null);
    }

    /** A started server; {@code tweak} adjusts the whole configuration; {@code guard} is its auth guard (null: its own). */
    Pop3Server serverWith(Consumer<TwinmailConfig> tweak, org.twinmail.protocol.auth.AuthGuard guard) throws java.io.IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.pop3.listen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        Pop3Server server = guard == null ? new Pop3Server(config, store, authenticator, registry)
                : new Pop3Server(config, store, authenticator, null, guard, registry);
        server.start();
        servers.add(server);
        return server;
    }

    /** A started server with TLS (STLS and POP3S, self-signed certificate under {@code dataDir}); {@code tweak} adjusts the configuration. */
    Pop3Server tlsServer(Path dataDir, Consumer<TwinmailConfig> tweak) throws java.io.IOException {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "pop.example.com";
        config.dataDir = dataDir.toString();
        config.pop3.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.pop3.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        tweak.accept(config);
        Pop3Server server = new Pop3Server(config, store, authenticator, org.twinmail.protocol.tls.Tls.create(config), registry);
        server.start();
        servers.add(server);
        return server;
    }

    static InetSocketAddress address(Pop3Server server) {
        return server.boundAddresses().getFirst();
    }

    /** A new account with a unique address and {@link #PASSWORD}; quota 0 = unlimited. */
    Account account(long quotaBytes) {
        String address = "user" + USERS.incrementAndGet() + "@" + DOMAIN;
        return store.addAccount(EmailAddress.parse(address), HASHER.hash(PASSWORD.toCharArray()), quotaBytes, 0);
    }

    Account account() {
        return account(0);
    }

    static String user(Account a) {
        return a.address().toString();
    }

    /** Delivers {@code content} (CRLF line ends expected) to the account's INBOX; returns the new UID. */
    long deliver(Account a, String content) {
        DeliveryReceipt r = store.deliver(new Delivery(List.of(a.id()),
                MessageSpool.of(content.getBytes(StandardCharsets.UTF_8)), Instant.now()));
        return r.placed().getFirst().uid();
    }

    static String message(String subject, String body) {
        return "From: sender@example.org\r\nTo: someone@example.com\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject.hashCode() + "." + System.nanoTime() + "@example.org>\r\n\r\n" + body;
    }

    List<MessageEntry> inbox(Account a) {
        return store.messages(store.mailbox(a.id(), "INBOX").orElseThrow().id());
    }

    long usedBytes(Account a) {
        return store.findAccount(a.id()).orElseThrow().usedBytes();
    }

    double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        servers.forEach(Pop3Server::close);
        store.close();
    }
}
