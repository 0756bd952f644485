package org.twinmail.filter.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.store.MailStore;
import org.twinmail.store.Quarantine;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Held messages leave the quarantine once they have been held longer than the retention, on an injected clock. */
class QuarantineExpiryTest {
    @TempDir
    Path dir;
    MailStore store;
    Account alice;
    Quarantine quarantine;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T12:00:00Z"));
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
        quarantine = new Quarantine(store, store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    void held(String id) {
        byte[] m = ("Subject: " + id + "\r\n\r\n" + "x".repeat(1_500_000) + "\r\n").getBytes(StandardCharsets.UTF_8); // two parts
        quarantine.hold(MessageSpool.of(m), new QuarantineItem(id, "spammer@bad.example", List.of(), List.of(alice.id()),
                "content", "content", "192.0.2.1", "spammer@bad.example", id, now.get().toEpochMilli(), 0, 0));
    }

    @Test
    void aMessageHeldLongerThanTheRetentionIsRemovedWithItsParts() {
        QuarantineExpiry expiry = new QuarantineExpiry(quarantine, clock, Duration.ofDays(30));
        held("old");
        now.set(now.get().plus(Duration.ofDays(10)));
        held("newer");
        assertThat(expiry.purgeDue()).isZero();
        now.set(Instant.parse("2026-12-01T12:00:00Z")); // "old" held exactly 30 days: kept
        assertThat(expiry.purgeDue()).isZero();
        now.set(now.get().plusSeconds(1));
        assertThat(expiry.purgeDue()).isEqualTo(1);
        assertThat(quarantine.list()).extracting(QuarantineItem::id).containsExactly("newer");
        assertThat(store.records(QuarantineItem.PART, "")).as("the removed message's parts go too")
                .allMatch(r -> r.name().startsWith("newer")).hasSize(2);
        now.set(now.get().plus(Duration.ofDays(10)));
        assertThat(expiry.purgeDue()).isEqualTo(1);
        assertThat(quarantine.list()).isEmpty();
        assertThat(store.records(QuarantineItem.PART, "")).isEmpty();
    }

    @Test
    void aRetentionOfZeroKeepsEverything() {
        held("kept");
        now.set(now.get().plus(Duration.ofDays(3650)));
        assertThat(new QuarantineExpiry(quarantine, clock, Duration.ZERO).purgeDue()).isZero();
        assertThat(quarantine.list()).hasSize(1);
        assertThatThrownBy(() -> new QuarantineExpiry(quarantine, clock, Duration.ofDays(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
