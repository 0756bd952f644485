package org.twinmail.store;

import java.util.List;

/** UIDs actually removed by {@link MailStore#expunge}, the bytes freed from the quota, and the change-log position. */
public record ExpungeResult(List<Long> expungedUids, long freedBytes, long changePosition) { }
