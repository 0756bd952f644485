package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;

/**
 * The writer's connection never checkpoints (wal_autocheckpoint=0); WalCheckpointer does, on
 * its own thread. So committed pages reach the database file only through it, and the WAL
 * starts over once everything was copied.
 */
class WalCheckpointTest extends StoreFixture {

    private Path walFile() {
        return dbFile().resolveSibling("mail.db-wal");
    }

    private double checkpoints() {
        return registry.get("twinmail.store.wal.checkpoint").timer().count();
    }

    /** Waits (bounded) until {@code n} more checkpoints than {@code before} have run. */
    private void awaitCheckpoints(double before, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (checkpoints() < before + n) {
            assertThat(System.nanoTime()).as("%d checkpoints in time", n).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void committedPagesReachTheDatabaseFileWhileTheStoreIsOpenAndTheWalStaysBounded() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        awaitCheckpoints(checkpoints(), 1);
        long dbBefore = Files.size(dbFile());
        long firstBurstWal = 0, walLargest = 0, written = 0;
        for (int burst = 0; burst < 6; burst++) {
            for (int i = 0; i < 150; i++) {
                deliver(message(3000, "burst " + burst + " message " + i), a);
                written += 3000;
            }
            long wal = Files.size(walFile()); // the file's high-water mark: SQLite reuses it from the start
            if (burst == 0) firstBurstWal = wal;
            walLargest = Math.max(walLargest, wal);
            // two checkpoints: the first may start while a reader still needs the newest frames
            awaitCheckpoints(checkpoints(), 2);
        }
        assertThat(Files.size(dbFile())).as("pages copied into mail.db by the checkpointer, the store still open")
                .isGreaterThan(dbBefore + written / 2);
        // without restarts the WAL would hold all six bursts
        assertThat(walLargest).as("the WAL starts over after each full checkpoint").isLessThan(3 * firstBurstWal);
        assertThat(store.findAccount(a.id()).orElseThrow().messageCount()).isEqualTo(900);
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(900);
    }

    @Test
    void closingStopsTheCheckpointerAndLeavesOneFile() throws Exception {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        for (int i = 0; i < 50; i++) deliver(message(2000, "m" + i), a);
        store.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("twinmail-store-checkpoint") && t.isAlive());
        assertThat(Files.exists(walFile()) ? Files.size(walFile()) : 0L).as("the final checkpoint truncated the WAL").isZero();
        assertThat(sqlLong("SELECT count(*) FROM message")).isEqualTo(50);
    }
}
