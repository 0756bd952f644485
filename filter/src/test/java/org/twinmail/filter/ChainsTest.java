package org.twinmail.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The standard chains in the order docs/architecture.md ("The path of a message") gives them. */
class ChainsTest {

    @Test
    void theMxAndSubmissionChainsInTheirDocumentedOrder(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            assertThat(Chains.mx(config, store).describe()).isEqualTo("""
                    connect: -
                    helo: -
                    mail: declared-size
                    rcpt: recipient-limit, relay, recipient-exists, quota
                    data: hop-count, content
                    delivered: -""");
            assertThat(Chains.submission(config, store).describe()).isEqualTo("""
                    connect: -
                    helo: -
                    mail: submission-sender, sending-rate, declared-size
                    rcpt: recipient-limit, recipient-exists, quota
                    data: hop-count, submission-sender
                    delivered: sending-rate""");
            org.twinmail.mail.srs.Srs srs = new org.twinmail.mail.srs.Srs(new byte[16], java.time.Duration.ofDays(21),
                    java.time.Clock.systemUTC());
            assertThat(Chains.withSrs(Chains.mx(config, store), new org.twinmail.filter.forward.SrsReturn(srs)).checks(Stage.RCPT))
                    .extracting(Check::name).containsExactly("recipient-limit", "srs", "relay", "recipient-exists", "quota");
        }
    }

    @Test
    void dnsblAtConnectAndAuthenticationAtMailAndBeforeTheScannersAtDataWhenEnabled(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.filter.authentication.enabled = true;
        config.filter.clamav.address = "unix:/run/clamav/clamd.ctl";
        config.relay.dns.servers = List.of("127.0.0.1:53");
        config.filter.dnsbl.lists = List.of("zen.test*2");
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            assertThat(Chains.mx(config, store).checks(Stage.CONNECT)).extracting(Check::name).containsExactly("dnsbl");
            assertThat(Chains.mx(config, store).checks(Stage.MAIL)).extracting(Check::name).containsExactly("declared-size", "authentication");
            assertThat(Chains.mx(config, store).checks(Stage.DATA)).extracting(Check::name).containsExactly("hop-count", "authentication", "clamav", "content");
            assertThat(Chains.submission(config, store).checks(Stage.DATA)).extracting(Check::name).doesNotContain("authentication");
        }
    }

    @Test
    void theScannersComeLastAtDataWhenTheirAddressesAreSet(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.filter.clamav.address = "unix:/run/clamav/clamd.ctl";
        config.filter.spamd.address = "127.0.0.1:783";
        config.filter.rspamd.address = "127.0.0.1:11333";
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            assertThat(Chains.mx(config, store).checks(Stage.DATA)).extracting(Check::name)
                    .containsExactly("hop-count", "clamav", "content", "spamd", "rspamd");
            assertThat(Chains.submission(config, store).checks(Stage.DATA)).extracting(Check::name)
                    .containsExactly("hop-count", "submission-sender", "clamav");
        }
    }

    @Test
    void theAdministratorsRulesFirstAtConnectLastAtRcptAndTheAllowListBetweenVirusAndSpamScans(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.filter.clamav.address = "unix:/run/clamav/clamd.ctl";
        config.filter.spamd.address = "127.0.0.1:783";
        config.relay.dns.servers = List.of("127.0.0.1:53");
        config.filter.dnsbl.lists = List.of("zen.test*2");
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
             org.twinmail.filter.rules.AdminRules rules = org.twinmail.filter.rules.AdminRules.load(store)) {
            assertThat(Chains.mx(config, store, rules).describe()).isEqualTo("""
                    connect: ip-rules, dnsbl
                    helo: -
                    mail: declared-size
                    rcpt: recipient-limit, relay, recipient-exists, quota, sender-rules
                    data: hop-count, sender-rules, clamav, sender-allow, content, spamd
                    delivered: -""");
            assertThat(Chains.submission(config, store, rules).checks(Stage.CONNECT)).extracting(Check::name).containsExactly("ip-rules");
            assertThat(Chains.submission(config, store, rules).checks(Stage.DATA)).extracting(Check::name)
                    .containsExactly("hop-count", "submission-sender", "clamav");
        }
    }

    @Test
    void greylistingAtRcptAfterTheSenderRulesWhenEnabled(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.filter.greylist.enabled = true;
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
             org.twinmail.filter.rules.AdminRules rules = org.twinmail.filter.rules.AdminRules.load(store)) {
            assertThat(Chains.mx(config, store, rules).checks(Stage.RCPT)).extracting(Check::name)
                    .containsExactly("recipient-limit", "relay", "recipient-exists", "quota", "sender-rules", "greylist");
            assertThat(Chains.mx(config, store).checks(Stage.RCPT)).extracting(Check::name).endsWith("quota", "greylist");
            assertThat(Chains.submission(config, store).checks(Stage.RCPT)).extracting(Check::name).doesNotContain("greylist");
        }
    }

    @Test
    void reverseDnsAndPregreetAtConnectAfterTheDnsblWhenEnabled(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.relay.dns.servers = List.of("127.0.0.1:53");
        config.filter.dnsbl.lists = List.of("zen.test*2");
        config.filter.reverseDns.mismatch = "tag";
        config.filter.pregreet.enabled = true;
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            assertThat(Chains.mx(config, store).checks(Stage.CONNECT)).extracting(Check::name).containsExactly("dnsbl", "reverse-dns", "pregreet");
            assertThat(Chains.submission(config, store).checks(Stage.CONNECT)).isEmpty();
        }
    }

    @Test
    void theContentScoreIsOffWhenDisabled(@TempDir Path dir) {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "mx.test.example";
        config.filter.content.enabled = false;
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir))) {
            assertThat(Chains.mx(config, store).checks(Stage.DATA)).extracting(Check::name).containsExactly("hop-count");
        }
    }
}
