package org.twinmail.filter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.filter.PipelineTestSupport;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;

class RecipientLimitTest {

    @Test
    void beyondTheLimitIs452AndExemptFromTheErrorLimitForAsManyAgain() {
        RecipientLimit limit = new RecipientLimit(2);
        Recipient r = new Recipient("r@x.example", Optional.empty(), a -> null);
        Map<String, Integer> refused = new HashMap<>();
        assertThat(limit.rcpt(PipelineTestSupport.CLIENT, PipelineTestSupport.envelope(List.of("a"), refused), r)).isEqualTo(Verdict.CONTINUE);
        Verdict v = limit.rcpt(PipelineTestSupport.CLIENT, PipelineTestSupport.envelope(List.of("a", "b"), refused), r);
        assertThat(v).isEqualTo(new Verdict.Tempfail(452, "4.5.3", "Error: too many recipients", "too_many_recipients", true));
        refused.put("too_many_recipients", 2);
        Verdict counted = limit.rcpt(PipelineTestSupport.CLIENT, PipelineTestSupport.envelope(List.of("a", "b"), refused), r);
        assertThat(((Verdict.Tempfail) counted).exemptFromErrorLimit()).isFalse();
    }
}
