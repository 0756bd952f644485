package org.twinmail.filter.auth;

import java.util.List;
import org.twinmail.filter.HeaderField;
import org.twinmail.mail.dkim.DkimResult;

/** The Authentication-Results field (RFC 8601) of one message: spf, every dkim signature, dmarc. */
final class AuthenticationResults {
    private AuthenticationResults() {}

    static HeaderField field(String authservId, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {
        StringBuilder b = new StringBuilder(authservId);
        b.append(";\r\n\tspf=").append(spf.result().token()).append(comment(spf.reason()));
        String mailbox = spf.sender();
        b.append(spf.identity().equals("helo") ? " smtp.helo=" + value(spf.domain()) : " smtp.mailfrom=" + value(mailbox));
        if (dkim.isEmpty()) b.append(";\r\n\tdkim=none");
        for (DkimResult d : dkim) {
            b.append(";\r\n\tdkim=").append(d.result().token()).append(comment(d.reason()));
            if (!d.domain().isEmpty()) b.append(" header.d=").append(value(d.domain())).append(" header.s=").append(value(d.selector()))
                    .append(" header.a=").append(value(d.algorithm()));
        }
        b.append(";\r\n\tdmarc=").append(dmarc.result().token());
        String policy = dmarc.result() == DmarcResult.Result.NONE || dmarc.result() == DmarcResult.Result.PASS && dmarc.policy() == DmarcRecord.Policy.NONE
                ? "" : " p=" + dmarc.policy().token();
        b.append(comment(dmarc.reason() + policy));
        if (!dmarc.fromDomain().isEmpty()) b.append(" header.from=").append(value(dmarc.fromDomain()));
        return new HeaderField("Authentication-Results", b.toString());
    }

    /** A comment without parentheses, backslashes or controls, at most 100 characters. */
    static String comment(String text) {
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < text.length() && c.length() < 100; i++) {
            char ch = text.charAt(i);
            if (ch >= 0x20 && ch < 0x7f && ch != '(' && ch != ')' && ch != '\\') c.append(ch);
        }
        return c.isEmpty() ? "" : " (" + c + ")";
    }

    /** A property value: as it is when it is a token or an addr-spec of atoms, else quoted. */
    static String value(String v) {
        if (v.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+")) return v;
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch < 0x20 || ch >= 0x7f) continue;
            if (ch == '"' || ch == '\\') q.append('\\');
            q.append(ch);
        }
        return q.append('"').toString();
    }
}
