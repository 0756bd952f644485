package org.twinmail.cluster;

import java.util.List;

/**
 * The active node's last health-probe round (SMTP, POP3, IMAP spoken, the data volume, the store).
 *
 * @param timeMillis     wall-clock time the last round ended (0: none ran, as on a standby)
 * @param failures       what failed in it (empty: every probe passed)
 * @param failuresInARow failed rounds in a row
 * @param allowed        failed rounds in a row after which the node hands over ({@code cluster.healthFailures})
 */
public record ProbeState(long timeMillis, List<String> failures, int failuresInARow, int allowed) {
}
