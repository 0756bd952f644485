package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.store.AccountChange;
import org.twinmail.store.Change;
import org.twinmail.store.StoreException;

class FencingTest extends StoreFixture {

    @Test
    void afterFenceTheOldEpochCannotWriteAndLeavesNoTrace() {
        EmbeddedMailStore old = open(options(1, new SimpleMeterRegistry()));
        EmbeddedMailStore next = open(options(2, new SimpleMeterRegistry()));
        store = old;
        old.addDomain("example.com");
        Account alice = account("alice@example.com");
        deliver(message(100, "before"), alice);
        // opening with a higher epoch does not raise the stored one: both may write until fenced
        assertThat(next.storedEpoch()).isEqualTo(1);
        next.addDomain("next.example");

        next.fence(2);
        assertThat(old.storedEpoch()).isEqualTo(2);
        assertThat(old.epoch()).isEqualTo(1);
        long position = next.lastChangePosition();
        long files = blobFileCount();
        long blobs = sqlLong("SELECT count(*) FROM blob");

        assertThatThrownBy(() -> old.addDomain("late.example"))
                .isInstanceOf(StoreException.StaleEpoch.class)
                .hasMessageContaining("epoch 1").hasMessageContaining("epoch 2");
        assertThatThrownBy(() -> deliver(message(INLINE_MAX_PLUS, "late file"), alice)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> deliver(message(10, "late inline"), alice)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> old.updateAccount(addr("alice@example.com"), AccountChange.password("$x")))
                .isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> old.expunge(old.mailbox(alice.id(), "INBOX").orElseThrow().id(), List.of(1L)))
                .isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> old.fence(5)).isInstanceOf(StoreException.StaleEpoch.class);

        assertThat(next.lastChangePosition()).isEqualTo(position);
        assertThat(next.findDomain("late.example")).isEmpty();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isEqualTo(blobs);
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(1);
        assertThat(blobFileCount()).as("the refused delivery's file is removed").isEqualTo(files);
        assertThat(next.findAccount(alice.id()).orElseThrow().passwordHash()).isEqualTo(alice.passwordHash());

        // the stale instance still reads
        assertThat(old.listDomains()).hasSize(2);
        // and the new one writes, under its epoch
        next.addDomain("after.example");
        Change last = next.changesSince(position, 10).getLast();
        assertThat(last.epoch()).isEqualTo(2);
        List<Change> raised = next.changesSince(0, 1000).stream().filter(c -> c.kind() == Change.Kind.EPOCH_RAISED).toList();
        assertThat(raised).hasSize(1);
        assertThat(raised.getFirst().detail()).isEqualTo("2");
    }

    private static final int INLINE_MAX_PLUS = (int) INLINE_MAX + 1;
}
