package org.twinmail.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.admin.AdminOperations.FailoverInfo;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The pair's failover history, kept in the store ({@link Records} kind {@value #KIND}, global
 * scope) so that it moves with the data: each takeover is written by the node that took over,
 * once it serves, as one record named by its epoch (zero-padded, so names sort by epoch), its
 * value the {@link FailoverInfo} as JSON. Records expire {@link #RETENTION} after they are written.
 */
public final class FailoverHistory {
    public static final String KIND = "cluster.failover";
    /** How long a takeover stays in the history. */
    public static final Duration RETENTION = Duration.ofDays(365);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FailoverHistory() {}

    /** Writes one takeover (replacing a record of the same epoch, which is the same takeover). */
    public static void record(Records records, FailoverInfo takeover, long nowMillis) {
        try {
            records.putRecord(KIND, "", name(takeover.epoch()), JSON.writeValueAsBytes(takeover), nowMillis + RETENTION.toMillis());
        } catch (IOException e) {
            throw new IllegalStateException(e); // a record of strings and numbers always serialises
        }
    }

    /** The newest {@code limit} takeovers, newest first; unreadable records are left out. */
    public static List<FailoverInfo> list(Records records, int limit) {
        List<StoredRecord> all = records.records(KIND, "");
        List<FailoverInfo> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            try {
                out.add(JSON.readValue(all.get(i).value(), FailoverInfo.class));
            } catch (IOException e) {
                // written by a newer release in a format this one does not know: skip it
            }
        }
        return out;
    }

    static String name(long epoch) {
        return String.format("%019d", epoch);
    }
}
