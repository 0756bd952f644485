package org.twinmail.cluster;

import java.io.IOException;

/** Reads and writes the two lease slots; {@link LeaseArea} on the shared array, or a test's stand-in. */
public interface LeaseDevice extends AutoCloseable {
    void write(int slot, LeaseSlot record) throws IOException;

    LeaseSlot.Read read(int slot) throws IOException;

    @Override
    void close() throws IOException;
}
