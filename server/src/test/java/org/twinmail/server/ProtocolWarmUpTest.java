package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.MailStore;

/** The standby's warm-up speaks every protocol for real, on its own loopback ports, and leaves the node's configuration alone. */
class ProtocolWarmUpTest {
    @TempDir
    Path dir;

    @Test
    void everyRoundDeliversOverSmtpAndReadsOverPop3AndImapWithoutTouchingTheNodesConfiguration() throws Exception {
        TwinmailConfig node = TestConfigs.loopback(dir.resolve("data"));
        node.smtp.listen = List.of(Listen.parse("10.77.0.100:25")); // the VIP: a standby binds nothing a client could reach
        node.auth.plaintextAuth = TwinmailConfig.PlaintextAuth.NEVER;
        node.filter.dnsbl.lists = List.of("zen.example.invalid");
        TwinmailConfig warm = ProtocolWarmUp.warmConfig(node);
        assertThat(warm.smtp.listen).containsExactly(new Listen("127.0.0.1", 0));
        assertThat(warm.imap.tlsListen).isEmpty();
        assertThat(warm.filter.dnsbl.lists).as("no DNS list is asked about the warm-up's messages").isEmpty();
        assertThat(node.smtp.listen).containsExactly(Listen.parse("10.77.0.100:25"));
        assertThat(node.auth.plaintextAuth).isEqualTo(TwinmailConfig.PlaintextAuth.NEVER);
        assertThat(node.filter.dnsbl.lists).containsExactly("zen.example.invalid");

        Path storeDir = dir.resolve("warm");
        Files.createDirectories(storeDir);
        MailStore store = StoreOpener.openFenced(node, storeDir, 1, new SimpleMeterRegistry());
        try (Tls tls = Tls.create(node, dir.resolve("tls"))) {
            Path index = dir.resolve("warm-index");
            ProtocolWarmUp.run(node, store, index, tls, new PasswordHasher(1024, 1, 1), 3);
            long account = store.findAccount(EmailAddress.parse(ProtocolWarmUp.USER)).orElseThrow().id();
            long inbox = store.mailbox(account, "INBOX").orElseThrow().id();
            assertThat(store.messages(inbox)).hasSize(3);
            // the full-text index was opened, fed and committed, as a takeover opens it (Lucene's first open in a JVM is slow)
            try (SearchIndex reopened = SearchIndex.open(index, node.search.maxIndexedChars)) {
                assertThat(reopened.position()).as("the index committed the warm-up's changes").isEqualTo(store.lastChangePosition());
            }
        } finally {
            store.close();
        }
    }
}
