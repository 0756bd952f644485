package org.twinmail.store;

import java.time.Instant;

/**
 * What a backup or a restore did.
 *
 * @param snapshot       the snapshot's name in the backup directory ({@code snapshots/NAME})
 * @param time           the snapshot's time: every change committed before it is in it, none after it began
 * @param changePosition the change log's last position in the snapshot
 * @param messages       message entries in the snapshot
 * @param blobFiles      body files the snapshot references
 * @param blobFilesCopied of those, the ones copied now (a later backup into the same directory copies only new ones)
 * @param bytesCopied    bytes written: the database copy and the body files copied
 * @param millis         how long it took
 */
public record BackupReport(String snapshot, Instant time, long changePosition, long messages, long blobFiles,
                           long blobFilesCopied, long bytesCopied, long millis) {
    /** One line for the operator. */
    public String describe() {
        return "snapshot " + snapshot + " (" + time + ", change log position " + changePosition + "): " + messages + " messages, "
                + blobFiles + " body files (" + blobFilesCopied + " copied), " + bytesCopied + " bytes written in " + millis + " ms";
    }
}
