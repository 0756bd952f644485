package org.twinmail.filter.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.store.MailStore;
import org.twinmail.store.Quarantine;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The daily digest: each user with held mail gets one list a day, from the configured hour, once even with two senders. */
class QuarantineDigestTest {
    @TempDir
    Path dir;
    MailStore store;
    Account alice;
    Account bob;
    Account carol;
    Quarantine quarantine;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T06:00:00Z"));
    final Clock clock = new Clock() {
        public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        public Clock withZone(java.time.ZoneId zone) { return this; }
        public Instant instant() { return now.get(); }
    };

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), "x", 0, 0);
        bob = store.addAccount(EmailAddress.parse("bob@example.com"), "x", 0, 0);
        carol = store.addAccount(EmailAddress.parse("carol@example.com"), "x", 0, 0);
        quarantine = new Quarantine(store, store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    void held(String id, String subject, String reason, Account... to) {
        byte[] m = ("Subject: " + subject + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
        quarantine.hold(MessageSpool.of(m), new QuarantineItem(id, "spammer@bad.example", List.of(), java.util.Arrays.stream(to).map(Account::id).toList(),
                reason, "content", "192.0.2.1", "\"Prize Desk\" <spammer@bad.example>", subject, now.get().toEpochMilli(), 0, 0));
    }

    List<MessageEntry> inbox(Account a) {
        return store.messages(store.mailbox(a.id(), "INBOX").orElseThrow().id());
    }

    String text(MessageEntry e) throws Exception {
        return new String(store.openBlob(e.blobId()).readAllBytes(), StandardCharsets.UTF_8);
    }

    QuarantineDigest digest() {
        return new QuarantineDigest(quarantine, store, store, store, clock, 8, EmailAddress.parse("postmaster@example.com"),
                "write to postmaster@example.com with the message's id.");
    }

    @Test
    void eachUserWithHeldMailGetsOneListADayFromTheHour() throws Exception {
        held("Q0000000000001", "You won a prize", "content_quarantine", alice);
        held("Q0000000000002", "Invoice.pdf.exe attached \u6587\u4ef6", "virus", alice, bob);
        assertThat(digest().sendDue()).as("before 08:00").isZero();

        now.set(Instant.parse("2026-12-07T08:05:00Z"));
        assertThat(digest().sendDue()).isEqualTo(2);
        assertThat(inbox(carol)).isEmpty();
        assertThat(inbox(bob)).hasSize(1);
        String a = text(inbox(alice).getFirst());
        assertThat(a).contains("Subject: 2 messages are held for you", "To: <alice@example.com>", "Auto-Submitted: auto-generated",
                "id Q0000000000001  (content_quarantine)", "Subject: You won a prize", "id Q0000000000002  (virus)",
                "Invoice.pdf.exe attached \u6587\u4ef6", "From:    \"Prize Desk\" <spammer@bad.example>",
                "To have a message released, write to postmaster@example.com with the message's id.");
        assertThat(text(inbox(bob).getFirst())).contains("Subject: 1 message is held for you").doesNotContain("You won a prize");

        // later the same day, and from a second node (a second instance): nothing again
        now.set(Instant.parse("2026-12-07T20:00:00Z"));
        assertThat(digest().sendDue()).isZero();
        assertThat(inbox(alice)).hasSize(1);

        // the next day: what is still held is listed again (bob's was released meanwhile)
        quarantine.release("Q0000000000002", store);
        now.set(Instant.parse("2026-12-08T09:00:00Z"));
        assertThat(digest().sendDue()).isEqualTo(1);
        assertThat(inbox(bob)).hasSize(2); // the digest and the released message
        assertThat(inbox(alice)).hasSize(3);
    }
}
