package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.MailStore;
import org.twinmail.store.Outbound;
import org.twinmail.store.StoreException;

/** The {@link org.twinmail.store.MessageQueue} role: claims, outcomes, durability and fencing of the outbound queue. */
public abstract class MessageQueueContract extends StoreContract {
    protected static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    protected Outbound remote(String sender, String... to) {
        return new Outbound(sender, List.of(to).stream().map(StoreContract::addr).toList(), false, false);
    }

    protected DeliveryReceipt submit(MessageData content, Outbound outbound, Account... local) {
        return store.deliver(new Delivery(List.of(local).stream().map(Account::id).toList(), content, T0, outbound));
    }

    @Test
    public void busyDomainsAreSkippedByAClaim() {
        openStore();
        submit(message(100, "busy"), remote("a@x.example", "b@busy.example", "c@free.example", "d@Busy.example"));
        assertThat(store.claimQueued(T0, 10, List.of("busy.example"))).extracting(q -> q.recipient().toString())
                .containsExactly("c@free.example");
        assertThat(store.claimQueued(T0, 10, List.of())).extracting(q -> q.recipient().domain())
                .containsExactly("busy.example", "busy.example");
    }

    @Test
    public void theQueueSurvivesAReopenAndClaimsAreReleasedOnRequest() {
        openStore();
        long id = submit(message(LARGE, "durable"), remote("a@x.example", "b@remote.example")).queueId();
        assertThat(store.claimQueued(T0, 10)).hasSize(1);
        store.close();

        openStore();
        assertThat(store.claimQueued(T0, 10)).as("still claimed: the runner releases on start").isEmpty();
        assertThat(store.listQueue(10).getFirst().recipients().getFirst().active()).isTrue();
        assertThat(store.releaseQueueClaims()).isEqualTo(1);
        assertThat(store.claimQueued(T0, 10)).singleElement().satisfies(c -> assertThat(c.messageId()).isEqualTo(id));
    }

    @Test
    public void aFencedNodeCannotClaimOrRecord() {
        MailStore old = open(1);
        MailStore next = open(2);
        store = old;
        submit(message(100, "fenced"), remote("a@x.example", "b@remote.example"));
        next.fence(2);
        assertThatThrownBy(() -> old.claimQueued(T0, 10)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> submit(message(100, "late"), remote("a@x.example", "c@remote.example")))
                .isInstanceOf(StoreException.StaleEpoch.class);
        assertThat(next.queueStats().messages()).isEqualTo(1);
    }
}
