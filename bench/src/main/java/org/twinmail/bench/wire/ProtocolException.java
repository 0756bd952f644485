package org.twinmail.bench.wire;

import java.io.IOException;

/** The server answered, but not what the workload needed (a refusal or a malformed reply). */
public final class ProtocolException extends IOException {
    private final String kind;

    public ProtocolException(String kind, String reply) {
        super(kind + ": " + reply);
        this.kind = kind;
    }

    /** Short and bounded, to count errors by: e.g. "RCPT 550". */
    public String kind() {
        return kind;
    }
}
