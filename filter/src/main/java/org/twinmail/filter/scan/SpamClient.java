package org.twinmail.filter.scan;

import java.io.InputStream;
import java.util.List;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;

/** A spam scanner's client (spamd, rspamd): a score and the rules that hit, or why there is none. */
public interface SpamClient {

    /**
     * Scores the {@code size} octets of {@code in}. I/O errors, timeouts and error answers come
     * back as {@link Result.Failed}, never thrown.
     */
    Result check(Client client, Envelope envelope, InputStream in, long size);

    sealed interface Result {
        /** @param score the scanner's score; @param symbols the rules that hit, in the scanner's order */
        record Scored(double score, List<String> symbols) implements Result {
            public Scored {
                symbols = List.copyOf(symbols);
            }
        }

        record Failed(String why) implements Result { }
    }
}
