package org.twinmail.store;

import java.time.Instant;
import java.util.Optional;

/** The size of the outbound queue: messages, recipients still waiting, and the oldest arrival. */
public record QueueStats(long messages, long recipients, Optional<Instant> oldestArrival) { }
