package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VipHandoffTest {
    @TempDir
    Path dir;

    @Test
    void theHolderLetsGoWhenTheTakerAsksAndTheTakerWaitsUntilItHas() throws Exception {
        try (LeaseArea holder = LeaseArea.open(dir.resolve("lease")); LeaseArea taker = LeaseArea.open(dir.resolve("lease"))) {
            holder.write(0, new LeaseSlot("a", Role.STANDBY, 3, 10, LeaseSlot.YIELD | LeaseSlot.VIP_HELD, 0));
            taker.write(1, new LeaseSlot("b", Role.CLAIMING, 4, 20, LeaseSlot.PUBLIC_OK, 0));
            // nobody asks: the holder gives up waiting after its bound
            assertThat(VipHandoff.awaitRequest(holder, 1, 3, TimeUnit.MILLISECONDS.toNanos(100))).contains("did not ask");
            // the taker waits while the flag is set ...
            assertThat(VipHandoff.awaitReleased(taker, 0, TimeUnit.MILLISECONDS.toNanos(100))).isFalse();
            CompletableFuture<String> asked = CompletableFuture.supplyAsync(() -> VipHandoff.awaitRequest(holder, 1, 3, TimeUnit.SECONDS.toNanos(30)));
            CompletableFuture<Boolean> released = CompletableFuture.supplyAsync(() -> VipHandoff.awaitReleased(taker, 0, TimeUnit.SECONDS.toNanos(30)));
            Thread.sleep(50);
            assertThat(asked).isNotDone();
            assertThat(released).isNotDone();
            // ... asks ...
            taker.write(1, new LeaseSlot("b", Role.CLAIMING, 4, 21, LeaseSlot.PUBLIC_OK | LeaseSlot.VIP_WANTED, 0));
            assertThat(asked.get(30, TimeUnit.SECONDS)).isEqualTo("the peer asked for the VIP");
            assertThat(released).isNotDone();
            // ... and proceeds once the holder's slot no longer says it holds it
            holder.write(0, new LeaseSlot("a", Role.STANDBY, 3, 11, LeaseSlot.YIELD, 0));
            assertThat(released.get(30, TimeUnit.SECONDS)).isTrue();
            // a taker that does not ask (an older version) is answered by serving at a higher epoch
            taker.write(1, new LeaseSlot("b", Role.ACTIVE, 4, 22, LeaseSlot.PUBLIC_OK, 0));
            assertThat(VipHandoff.awaitRequest(holder, 1, 3, TimeUnit.SECONDS.toNanos(30))).contains("serves at epoch 4");
            // IPv4: the taker adds and announces the address first and says so; the holder then removes its copy
            taker.write(1, new LeaseSlot("b", Role.CLAIMING, 5, 23, LeaseSlot.PUBLIC_OK | LeaseSlot.VIP_HELD, 0));
            assertThat(VipHandoff.awaitRequest(holder, 1, 3, TimeUnit.SECONDS.toNanos(30))).contains("has added and announced");
        }
    }
}
