package org.twinmail.smtp.session;

import java.util.ArrayList;
import java.util.List;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Verdict;

/**
 * Where a session's filter decisions become replies, metrics and the {@code filter=} field of
 * its log line ({@code filter=rcpt/relay/relay_denied,data/hop-count/loop}: stage, check,
 * reason of every verdict other than continue, the first {@value #MAX_NOTES} of them).
 */
final class Verdicts {
    static final int MAX_NOTES = 20;

    private final SmtpMetrics metrics;
    private final List<String> notes = new ArrayList<>();
    private int more;

    Verdicts(SmtpMetrics metrics) {
        this.metrics = metrics;
    }

    /** Notes a stage's decision for the log line, and counts a refusal in {@code twinmail.smtp.messages}. */
    void noted(Decision d) {
        for (String n : d.notes()) {
            if (notes.size() < MAX_NOTES) notes.add(n);
            else more++;
        }
        if (d.refused()) metrics.rejected(d.verdict().reason());
    }

    /** Counts a refusal the session made itself (syntax, timeouts, the store at commit). */
    void rejected(String reason) {
        metrics.rejected(reason);
    }

    /** The reply to a refusal verdict. */
    Reply reply(Verdict.Refusal r) {
        Reply reply = Reply.of(r.code(), r.status(), r.text());
        return r.exemptFromErrorLimit() ? reply.exemptFromErrorLimit() : reply;
    }

    /** The log field's value, or null when no check said anything. */
    String logField() {
        if (notes.isEmpty()) return null;
        return String.join(",", notes) + (more > 0 ? ",+" + more : "");
    }
}
