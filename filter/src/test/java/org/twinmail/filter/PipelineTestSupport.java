package org.twinmail.filter;

import java.util.List;
import java.util.Map;

/** Test fixtures of {@link PipelineTest} for the checks' tests in other packages. */
public final class PipelineTestSupport {
    public static final Client CLIENT = PipelineTest.CLIENT;

    private PipelineTestSupport() {
    }

    public static Envelope envelope(List<String> recipients, Map<String, Integer> refusedByReason) {
        return new PipelineTest.TestEnvelope(recipients, refusedByReason);
    }
}
