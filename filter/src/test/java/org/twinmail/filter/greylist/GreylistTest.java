package org.twinmail.filter.greylist;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.store.RecipientResolution;

class GreylistTest {
    final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    static final Account ALICE = new Account(1, 1, EmailAddress.parse("alice@example.org"), "", 0, 0, 0, 0, 0);

    static Client client(String ip) throws Exception {
        return new Client(InetAddress.getByName(ip), Optional::empty, "smtp", false, "mx.sender.example", true, Optional.empty());
    }

    static Envelope from(String sender) {
        return new Envelope() {
            public String queueId() { return "Q"; }
            public Optional<EmailAddress> sender() { return Optional.of(EmailAddress.parse(sender)); }
            public OptionalLong declaredSize() { return OptionalLong.empty(); }
            public boolean smtputf8() { return false; }
            public List<String> recipients() { return List.of(); }
            public List<Account> accounts() { return List.of(); }
            public List<EmailAddress> remoteRecipients() { return List.of(); }
            public int refused(String reason) { return 0; }
        };
    }

    static Recipient local(String address) {
        return new Recipient(address, Optional.of(EmailAddress.parse(address)), a -> new RecipientResolution.Local(List.of(ALICE)));
    }

    Greylist greylist(int autoAllowAfter) {
        TwinmailConfig.Greylist g = new TwinmailConfig.Greylist();
        g.autoAllowAfter = autoAllowAfter;
        g.allowNetworks = List.of("198.51.100.0/24");
        return new Greylist(g, List.of("10.0.0.0/8"), null, now::get);
    }

    void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }

    @Test
    void aNewTripletIsTempfailedARetryAfterTheDelayPassesAndIsRememberedAndAnEarlyRetryIsNot() throws Exception {
        Greylist g = greylist(5);
        Client c = client("192.0.2.10");
        Verdict first = g.rcpt(c, from("bob@sender.example"), local("alice@example.org"));
        assertThat(first).isInstanceOfSatisfying(Verdict.Tempfail.class, t -> {
            assertThat(t.code()).isEqualTo(451);
            assertThat(t.status()).isEqualTo("4.7.1");
            assertThat(t.reason()).isEqualTo("greylisted");
            assertThat(t.exemptFromErrorLimit()).isTrue();
        });
        advance(Duration.ofMinutes(2));
        assertThat(g.rcpt(c, from("bob@sender.example"), local("alice@example.org"))).isInstanceOf(Verdict.Tempfail.class);
        advance(Duration.ofMinutes(4));
        // the retry may come from another host of the sender's /24
        assertThat(g.rcpt(client("192.0.2.77"), from("Bob@Sender.example"), local("alice@example.org")).reason()).isEqualTo("greylist_retried");
        advance(Duration.ofDays(20));
        assertThat(g.rcpt(c, from("bob@sender.example"), local("alice@example.org")).reason()).isEqualTo("greylist_passed");
        // another recipient is another triplet
        assertThat(g.rcpt(c, from("bob@sender.example"), local("carol@example.org"))).isInstanceOf(Verdict.Tempfail.class);
    }

    @Test
    void aTripletNotRetriedWithinTheWindowStartsAgain() throws Exception {
        Greylist g = greylist(5);
        Client c = client("192.0.2.10");
        g.rcpt(c, from("bob@sender.example"), local("alice@example.org"));
        advance(Duration.ofDays(3));
        assertThat(g.rcpt(c, from("bob@sender.example"), local("alice@example.org"))).isInstanceOf(Verdict.Tempfail.class);
        advance(Duration.ofMinutes(5));
        assertThat(g.rcpt(c, from("bob@sender.example"), local("alice@example.org")).reason()).isEqualTo("greylist_retried");
    }

    @Test
    void aClientThatRetriedOftenEnoughIsAutoAllowedAndAllowedNetworksAndRemoteRecipientsAreNeverGreylisted() throws Exception {
        Greylist g = greylist(2);
        Client c = client("2001:db8:5:6::1");
        for (String sender : List.of("a@one.example", "b@two.example")) {
            g.rcpt(c, from(sender), local("alice@example.org"));
            advance(Duration.ofMinutes(6));
            assertThat(g.rcpt(client("2001:db8:5:6::99"), from(sender), local("alice@example.org")).reason()).isEqualTo("greylist_retried");
        }
        assertThat(g.rcpt(c, from("new@three.example"), local("alice@example.org")).reason()).isEqualTo("greylist_known_client");
        assertThat(g.rcpt(client("2001:db8:5:7::1"), from("new@three.example"), local("alice@example.org"))).isInstanceOf(Verdict.Tempfail.class);

        assertThat(g.rcpt(client("198.51.100.3"), from("x@y.example"), local("alice@example.org"))).isEqualTo(Verdict.proceed());
        assertThat(g.rcpt(client("10.1.2.3"), from("x@y.example"), local("alice@example.org"))).isEqualTo(Verdict.proceed());
        Recipient remote = new Recipient("x@elsewhere.example", Optional.of(EmailAddress.parse("x@elsewhere.example")),
                a -> new RecipientResolution.NotLocal());
        assertThat(g.rcpt(client("192.0.2.1"), from("x@y.example"), remote)).isEqualTo(Verdict.proceed());
    }

    @Test
    void memoryIsBoundedByMaxEntries() throws Exception {
        TwinmailConfig.Greylist s = new TwinmailConfig.Greylist();
        s.maxEntries = 1000;
        Greylist g = new Greylist(s, List.of(), null, now::get);
        Client c = client("192.0.2.10");
        g.rcpt(c, from("first@sender.example"), local("alice@example.org"));
        for (int i = 0; i < 1500; i++) g.rcpt(c, from("s" + i + "@flood.example"), local("alice@example.org"));
        advance(Duration.ofMinutes(6));
        // the first triplet was dropped as the oldest: its retry is a first sighting again
        assertThat(g.rcpt(c, from("first@sender.example"), local("alice@example.org"))).isInstanceOf(Verdict.Tempfail.class);
        assertThat(g.rcpt(c, from("s1499@flood.example"), local("alice@example.org")).reason()).isEqualTo("greylist_retried");
    }
}
