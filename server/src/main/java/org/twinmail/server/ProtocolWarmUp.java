package org.twinmail.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.imap.ImapServer;
import org.twinmail.pop3.Pop3Server;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.search.IndexUpdater;
import org.twinmail.search.SearchIndex;
import org.twinmail.smtp.SmtpServer;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.StoreAuthenticator;

/**
 * A standby's protocol path made warm before it is needed: the SMTP, POP3 and IMAP servers,
 * built as {@link TwinmailServer#activate} builds them, on loopback ports the kernel chooses,
 * over a throwaway store in a node-local directory, each spoken to for {@code rounds} rounds
 * (SMTP delivery, POP3 login, STAT and RETR, IMAP login, SELECT and FETCH), then closed. The
 * classes of sessions, parsers, filters and delivery are then loaded and their code compiled
 * when the takeover builds the real servers, so the first client after a takeover is not the
 * one that pays for it: in the lab a takeover's first transaction on a JVM that had never
 * served took 0.3-2 s, on one that had 40-80 ms.
 *
 * <p>The configuration is the node's, with three changes: loopback listeners on port 0 and no
 * implicit-TLS ones (the real ports may be in use by nothing yet, but a standby binds nothing
 * a client could reach), the default filter settings (a warm-up must not ask a DNS list, a
 * scanner or a resolver about its own test messages), and plaintext logins allowed on
 * loopback (what the warm-up's client uses).
 */
final class ProtocolWarmUp {
    static final String DOMAIN = "warm-up.invalid";
    static final String USER = "warm@" + DOMAIN;
    private static final int TIMEOUT_MS = 10_000;

    private ProtocolWarmUp() {}

    /**
     * Runs {@code rounds} rounds of every protocol against {@code store} (a fresh throwaway store, opened by the caller).
     * With {@code indexDir} (and {@code search.enabled}) the full-text index too, as the takeover opens it: Lucene's
     * classes and codecs loaded, the warm-up's messages indexed and committed, and IMAP SEARCH asked through it. On a
     * JVM that had never opened an index, that open was most of a takeover's open step (3.6-4.7 s of it in the lab on
     * a loaded machine, against 0.1-0.2 s for the store).
     */
    static void run(TwinmailConfig nodeConfig, MailStore store, Path indexDir, Tls tls, PasswordHasher hasher, int rounds) throws IOException {
        TwinmailConfig config = warmConfig(nodeConfig);
        SearchIndex search = null;
        IndexUpdater updater = null;
        if (indexDir != null && nodeConfig.search.enabled) {
            search = SearchIndex.open(indexDir, nodeConfig.search.maxIndexedChars);
            updater = IndexUpdater.start(search, store, store, store, nodeConfig.search.batchSize);
        }
        try {
            run(config, store, search, updater, tls, hasher, rounds);
        } finally {
            if (updater != null) updater.close();
            if (search != null) search.close();
        }
    }

    private static void run(TwinmailConfig config, MailStore store, SearchIndex search, IndexUpdater updater, Tls tls,
                            PasswordHasher hasher, int rounds) throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        char[] password = "warm-up password".toCharArray();
        AdminService admin = new AdminService(store, hasher);
        admin.addDomain(DOMAIN);
        admin.addUser(USER, password.clone(), 0, 0);
        StoreAuthenticator authenticator = new StoreAuthenticator(store, store, config.auth.credentialCacheTtl);
        AuthGuard guard = AuthGuard.create(config.auth, registry);
        try (SmtpServer smtp = new SmtpServer(config, store, authenticator, tls, guard, registry);
             Pop3Server pop3 = new Pop3Server(config, store, authenticator, tls, guard, registry);
             ImapServer imap = new ImapServer(config, store, store, store, authenticator, tls, guard, search, registry)) {
            smtp.start();
            pop3.start();
            imap.start();
            for (int i = 1; i <= rounds; i++) {
                smtp(smtp.boundAddresses().getFirst(), i);
                pop3(pop3.boundAddresses().getFirst(), new String(password));
                imap(imap.boundAddresses().getFirst(), new String(password));
            }
            if (updater != null) {
                // the updater indexes and commits what was delivered; then SEARCH's text keys go through the index
                long target = store.lastChangePosition();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (updater.position() < target && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while the warm-up's messages were indexed");
                    }
                }
                for (int i = 1; i <= Math.min(rounds, 10); i++) imapSearch(imap.boundAddresses().getFirst(), new String(password), i);
            }
        }
    }

    private static void imapSearch(InetSocketAddress a, String password, int n) throws IOException {
        try (Conversation c = new Conversation(a)) {
            c.line(); // greeting
            c.imap("s1", "LOGIN " + USER + " \"" + password + "\"");
            c.imap("s2", "SELECT INBOX");
            c.imap("s3", "UID SEARCH BODY \"warm-up message " + n + "\"");
            c.imap("s4", "UID SEARCH SUBJECT \"warm-up\" TEXT \"" + n + "\"");
            c.imap("s5", "LOGOUT");
        }
    }

    /** The node's configuration as the warm-up uses it (see the class comment); the node's own object is not changed. */
    static TwinmailConfig warmConfig(TwinmailConfig node) {
        TwinmailConfig c = shallowCopy(node);
        List<Listen> loopback = List.of(new Listen("127.0.0.1", 0));
        c.smtp = shallowCopy(node.smtp);
        c.smtp.listen = loopback;
        c.submission = shallowCopy(node.submission);
        c.submission.listen = loopback;
        c.submission.tlsListen = List.of();
        c.pop3 = shallowCopy(node.pop3);
        c.pop3.listen = loopback;
        c.pop3.tlsListen = List.of();
        c.imap = shallowCopy(node.imap);
        c.imap.listen = loopback;
        c.imap.tlsListen = List.of();
        c.filter = new TwinmailConfig.Filter();
        c.auth = shallowCopy(node.auth);
        if (c.auth.plaintextAuth == TwinmailConfig.PlaintextAuth.NEVER) c.auth.plaintextAuth = TwinmailConfig.PlaintextAuth.LOOPBACK;
        return c;
    }

    /** A copy of a configuration section: a new instance with every public field of {@code o} (the values shared). */
    @SuppressWarnings("unchecked")
    private static <T> T shallowCopy(T o) {
        try {
            T copy = (T) o.getClass().getDeclaredConstructor().newInstance();
            for (Field f : o.getClass().getFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isFinal(m)) continue;
                f.set(copy, f.get(o));
            }
            return copy;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy " + o.getClass().getName() + ": " + e, e);
        }
    }

    private static void smtp(InetSocketAddress a, int n) throws IOException {
        try (Conversation c = new Conversation(a)) {
            c.smtpReply(220);
            c.send("EHLO warm-up.invalid");
            c.smtpReply(250);
            c.send("MAIL FROM:<sender@" + DOMAIN + ">");
            c.smtpReply(250);
            c.send("RCPT TO:<" + USER + ">");
            c.smtpReply(250);
            c.send("DATA");
            c.smtpReply(354);
            c.send("From: <sender@" + DOMAIN + ">\r\nTo: <" + USER + ">\r\nSubject: warm-up " + n
                    + "\r\nMessage-ID: <warm-up-" + n + "@" + DOMAIN + ">\r\n\r\nwarm-up message " + n + "\r\n.");
            c.smtpReply(250);
            c.send("QUIT");
            c.smtpReply(221);
        }
    }

    private static void pop3(InetSocketAddress a, String password) throws IOException {
        try (Conversation c = new Conversation(a)) {
            c.popOk();
            c.send("USER " + USER);
            c.popOk();
            c.send("PASS " + password);
            c.popOk();
            c.send("STAT");
            c.popOk();
            c.send("RETR 1");
            c.popOk();
            while (!c.line().equals(".")) {
                // the message, up to its final dot
            }
            c.send("QUIT");
            c.popOk();
        }
    }

    private static void imap(InetSocketAddress a, String password) throws IOException {
        try (Conversation c = new Conversation(a)) {
            c.line(); // greeting
            c.imap("a1", "LOGIN " + USER + " \"" + password + "\"");
            c.imap("a2", "SELECT INBOX");
            c.imap("a3", "FETCH 1:* (FLAGS UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])");
            c.imap("a4", "UID SEARCH ALL");
            c.imap("a5", "LOGOUT");
        }
    }

    /** One client connection, line by line; every unexpected answer is an IOException naming it. */
    private static final class Conversation implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Conversation(InetSocketAddress a) throws IOException {
            socket = new Socket();
            socket.connect(a, TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String line() throws IOException {
            String l = in.readLine();
            if (l == null) throw new IOException("connection closed by the server");
            return l;
        }

        void smtpReply(int code) throws IOException {
            String l;
            do {
                l = line();
            } while (l.length() > 3 && l.charAt(3) == '-');
            if (!l.startsWith(Integer.toString(code))) throw new IOException("SMTP: expected " + code + ", got " + l);
        }

        void popOk() throws IOException {
            String l = line();
            if (!l.startsWith("+OK")) throw new IOException("POP3: " + l);
        }

        void imap(String tag, String command) throws IOException {
            send(tag + " " + command);
            String l;
            do {
                l = line();
            } while (!l.startsWith(tag + " "));
            if (!l.startsWith(tag + " OK")) throw new IOException("IMAP " + command.split(" ")[0] + ": " + l);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
