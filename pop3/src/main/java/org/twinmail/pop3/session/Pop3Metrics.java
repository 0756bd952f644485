package org.twinmail.pop3.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The POP3 service's counters, registered once per server. */
public final class Pop3Metrics {

    /** How a login attempt (USER/PASS or AUTH) ended; the value of the {@code result} tag. */
    public enum LoginResult {
        OK("ok"),
        /** Wrong credentials, unknown user. */
        FAILED("failed"),
        /** Right credentials, but another session holds the maildrop. */
        IN_USE("in_use"),
        /** The authenticator or the store could not answer ([SYS/TEMP]). */
        ERROR("error");

        final String tag;

        LoginResult(String tag) {
            this.tag = tag;
        }
    }

    private final Counter[] logins = new Counter[LoginResult.values().length];
    private final Counter retrievals;
    private final Counter deletions;
    private final Counter bytes;

    public Pop3Metrics(MeterRegistry registry) {
        for (LoginResult r : LoginResult.values()) {
            logins[r.ordinal()] = Counter.builder("twinmail.pop3.logins").tag("result", r.tag)
                    .description("POP3 login attempts").register(registry);
        }
        retrievals = Counter.builder("twinmail.pop3.retrievals").description("messages sent by RETR").register(registry);
        deletions = Counter.builder("twinmail.pop3.deletions").description("messages removed at QUIT").register(registry);
        bytes = Counter.builder("twinmail.pop3.bytes").baseUnit("bytes")
                .description("message octets sent by RETR and TOP").register(registry);
    }

    void login(LoginResult result) {
        logins[result.ordinal()].increment();
    }

    void retrieved() {
        retrievals.increment();
    }

    void sent(long octets) {
        bytes.increment(octets);
    }

    void deleted(int count) {
        deletions.increment(count);
    }
}
