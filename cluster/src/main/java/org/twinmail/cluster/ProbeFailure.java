package org.twinmail.cluster;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One failed health probe.
 *
 * @param detail    what failed and how, for an operator
 * @param storageIo an I/O error of the data volume itself (EIO, a read-only or full
 *                  filesystem), seen by reading or writing a file on it directly: the cause
 *                  of whatever else failed with it. SQLite, for one, reports a read that
 *                  failed with EIO as {@code SQLITE_CORRUPT} ("database disk image is
 *                  malformed") although the file on disk is intact, so the store's own
 *                  error must never be the reason given when the volume failed.
 */
public record ProbeFailure(String detail, boolean storageIo) {

    public static ProbeFailure service(String detail) {
        return new ProbeFailure(detail, false);
    }

    public static ProbeFailure storageIo(String detail) {
        return new ProbeFailure(detail, true);
    }

    /**
     * The failures of a probe round for the log and the handover reason: with a storage I/O
     * error, that error ({@code firstIo}, the first of the current series, or else the first in
     * this round) is named as the cause, and the rest only as its consequences.
     */
    static String describe(List<ProbeFailure> failures, String firstIo) {
        String io = firstIo != null ? firstIo
                : failures.stream().filter(ProbeFailure::storageIo).map(ProbeFailure::detail).findFirst().orElse(null);
        if (io == null) return failures.stream().map(ProbeFailure::detail).collect(Collectors.joining("; "));
        long others = failures.stream().filter(f -> !f.detail().equals(io)).count();
        return "storage I/O error: " + io + (others == 0 ? ""
                : " (" + others + " other probe(s) failed with it: the store's and the services' errors follow from the I/O error"
                        + " and do not mean damaged data; see the log)");
    }
}
