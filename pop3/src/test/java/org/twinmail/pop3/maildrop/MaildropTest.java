package org.twinmail.pop3.maildrop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.MessageEntry;

class MaildropTest {

    private static MessageEntry entry(long uid, long size) {
        return new MessageEntry(7, uid, uid, Set.of(), Instant.EPOCH, size, "blob" + uid);
    }

    private final Maildrop drop = new Maildrop(7, 1700000000L, List.of(entry(3, 100), entry(5, 250), entry(9, 40)));

    @Test
    void numbersAreOneBasedInUidOrder() {
        assertThat(drop.count()).isEqualTo(3);
        assertThat(drop.exists(0)).isFalse();
        assertThat(drop.exists(1)).isTrue();
        assertThat(drop.exists(3)).isTrue();
        assertThat(drop.exists(4)).isFalse();
        assertThat(drop.message(2).uid()).isEqualTo(5);
        assertThat(drop.size(2)).isEqualTo(250);
    }

    @Test
    void uidlIsUidValidityAndUid() {
        assertThat(drop.uidl(1)).isEqualTo("1700000000.3");
        assertThat(drop.uidl(3)).isEqualTo("1700000000.9");
        assertThat(drop.uidl(3)).matches("[\\x21-\\x7e]{1,70}");
    }

    @Test
    void deleteMarksAndResetUnmarks() {
        assertThat(drop.visibleCount()).isEqualTo(3);
        assertThat(drop.visibleSize()).isEqualTo(390);
        assertThat(drop.delete(2)).isTrue();
        assertThat(drop.delete(2)).isFalse();
        assertThat(drop.isDeleted(2)).isTrue();
        assertThat(drop.visibleCount()).isEqualTo(2);
        assertThat(drop.visibleSize()).isEqualTo(140);
        assertThat(drop.delete(3)).isTrue();
        assertThat(drop.deletedUids()).containsExactly(5L, 9L);
        assertThat(drop.deletedCount()).isEqualTo(2);
        drop.reset();
        assertThat(drop.deletedUids()).isEmpty();
        assertThat(drop.visibleSize()).isEqualTo(390);
        assertThat(drop.count()).isEqualTo(3);
    }

    @Test
    void oneLockPerAccount() {
        MaildropLocks locks = new MaildropLocks();
        Optional<MaildropLock> a = locks.tryLock(1);
        assertThat(a).isPresent();
        assertThat(locks.tryLock(1)).isEmpty();
        assertThat(locks.tryLock(2)).isPresent();
        a.get().close();
        assertThat(locks.isLocked(1)).isFalse();
        Optional<MaildropLock> again = locks.tryLock(1);
        assertThat(again).isPresent();
        a.get().close(); // a stale handle must not release the new holder's lock
        assertThat(locks.isLocked(1)).isTrue();
        again.get().close();
        assertThat(locks.isLocked(1)).isFalse();
    }

    @Test
    void exactlyOneWinnerUnderContention() throws InterruptedException {
        MaildropLocks locks = new MaildropLocks();
        AtomicInteger winners = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[32];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                if (locks.tryLock(42).isPresent()) winners.incrementAndGet();
            });
        }
        start.countDown();
        for (Thread t : threads) t.join();
        assertThat(winners.get()).isEqualTo(1);
    }
}
