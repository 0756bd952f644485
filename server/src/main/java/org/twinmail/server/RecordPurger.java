package org.twinmail.server;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.store.Records;

/**
 * Deletes expired records ({@link Records#purgeExpiredRecords}) every {@code interval} on the
 * active node: the memories of vacation replies and of Sieve's duplicate test, and the notices of
 * failing scripts, expire and must not pile up. Readers ignore an expired record anyway.
 */
final class RecordPurger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordPurger.class);
    private final Thread thread;

    RecordPurger(Records records, Duration interval) {
        this.thread = Thread.ofVirtual().name("record-purger").start(() -> {
            while (true) {
                try {
                    Thread.sleep(interval);
                    int n = records.purgeExpiredRecords(System.currentTimeMillis());
                    if (n > 0) log.debug("purged {} expired records", n);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("purging expired records failed: {}", e.toString());
                }
            }
        });
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
