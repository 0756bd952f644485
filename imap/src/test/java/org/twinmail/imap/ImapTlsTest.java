package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;

/** STARTTLS (RFC 9051 6.2.1), LOGINDISABLED before it, and IMAPS (RFC 8314), with Jakarta Mail as the client. */
class ImapTlsTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;
    ImapServer server;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ImapFixture(dataDir.resolve("store"));
        server = fx.tlsServer(dataDir, c -> c.auth.plaintextAuth = TwinmailConfig.PlaintextAuth.NEVER);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void passwordsWaitForStartTls() throws Exception {
        Account a = fx.account();
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            String greeting = c.line();
            assertThat(greeting).contains("STARTTLS", "LOGINDISABLED").doesNotContain("AUTH=PLAIN");
            assertThat(c.command("a1", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\""))
                    .containsExactly("a1 NO [PRIVACYREQUIRED] LOGIN is disabled on unencrypted connections");
            assertThat(c.command("a2", "AUTHENTICATE PLAIN")).containsExactly("a2 NO [PRIVACYREQUIRED] authentication needs an encrypted connection");
        }
    }

    @Test
    void jakartaMailOverStartTlsAndImaps() throws Exception {
        Account a = fx.account();
        fx.deliver(a, ImapFixture.message("secret", "over TLS\r\n"));
        InetSocketAddress plain = ImapFixture.address(server);
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(plain.getPort()));
        p.put("mail.imap.starttls.enable", "true");
        p.put("mail.imap.starttls.required", "true");
        p.put("mail.imap.ssl.trust", "*"); // the self-signed test certificate names imap.example.com, not 127.0.0.1
        p.put("mail.imap.ssl.checkserveridentity", "false");
        p.put("mail.imap.timeout", "10000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(a.address().toString(), ImapFixture.PASSWORD);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("secret");
        } finally {
            store.close();
        }

        InetSocketAddress imaps = server.tlsAddresses().getFirst();
        Properties s = new Properties();
        s.put("mail.imaps.host", "127.0.0.1");
        s.put("mail.imaps.port", String.valueOf(imaps.getPort()));
        s.put("mail.imaps.ssl.trust", "*");
        s.put("mail.imaps.ssl.checkserveridentity", "false");
        s.put("mail.imaps.timeout", "10000");
        Store secure = Session.getInstance(s).getStore("imaps");
        secure.connect(a.address().toString(), ImapFixture.PASSWORD);
        try {
            Folder inbox = secure.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
        } finally {
            secure.close();
        }
    }
}
