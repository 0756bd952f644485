package org.twinmail.store;

import java.util.List;

/**
 * What {@link MailStore#copy} did: {@code sourceUids.get(i)} became {@code targetUids.get(i)}
 * in the target mailbox (UIDPLUS {@code [COPYUID uidValidity source target]}). Source UIDs
 * that no longer existed are left out of both lists.
 */
public record CopyResult(long targetUidValidity, List<Long> sourceUids, List<Long> targetUids, long changePosition) {
    public CopyResult {
        sourceUids = List.copyOf(sourceUids);
        targetUids = List.copyOf(targetUids);
        if (sourceUids.size() != targetUids.size()) throw new IllegalArgumentException("source and target UIDs differ in number");
    }
}
