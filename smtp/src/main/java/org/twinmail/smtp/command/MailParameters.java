package org.twinmail.smtp.command;

import java.util.OptionalLong;

/**
 * The ESMTP parameters of MAIL FROM that we implement.
 *
 * @param size     RFC 1870 SIZE= (declared message size), if given
 * @param body     RFC 6152 BODY=, or null if not given
 * @param smtputf8 RFC 6531 SMTPUTF8 keyword present
 * @param auth     RFC 4954 5 AUTH= present; its value (the original submitter) is not kept: we
 *                 trust no client's claim about another submitter, which section 5 allows
 */
public record MailParameters(OptionalLong size, Body body, boolean smtputf8, boolean auth) {

    public static final MailParameters NONE = new MailParameters(OptionalLong.empty(), null, false, false);

    public MailParameters(OptionalLong size, Body body, boolean smtputf8) {
        this(size, body, smtputf8, false);
    }

    /** RFC 6152 body types. */
    public enum Body { SEVEN_BIT, EIGHT_BIT_MIME }

    /** True if the client sent no parameter at all (the only legal case after HELO). */
    public boolean isEmpty() {
        return size.isEmpty() && body == null && !smtputf8 && !auth;
    }
}
