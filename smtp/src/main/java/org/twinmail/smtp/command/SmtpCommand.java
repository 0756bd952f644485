package org.twinmail.smtp.command;

import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;

/** One parsed command line. Each record carries exactly the arguments its verb takes. */
public sealed interface SmtpCommand {

    Verb verb();

    /** HELO: the client's name for itself, no extensions. */
    record Helo(String domain) implements SmtpCommand {
        public Verb verb() { return Verb.HELO; }
    }

    /** EHLO: the client's name for itself, and the request for our extension list. */
    record Ehlo(String domain) implements SmtpCommand {
        public Verb verb() { return Verb.EHLO; }
    }

    /** MAIL FROM: the reverse-path (empty for the null sender {@code <>}) and its parameters. */
    record Mail(Optional<EmailAddress> sender, MailParameters parameters) implements SmtpCommand {
        public Verb verb() { return Verb.MAIL; }
    }

    /** RCPT TO: the forward-path. We implement no RCPT parameters, so there are none here. */
    record Rcpt(ForwardPath recipient) implements SmtpCommand {
        public Verb verb() { return Verb.RCPT; }
    }

    record Data() implements SmtpCommand {
        public Verb verb() { return Verb.DATA; }
    }

    record Rset() implements SmtpCommand {
        public Verb verb() { return Verb.RSET; }
    }

    record Noop() implements SmtpCommand {
        public Verb verb() { return Verb.NOOP; }
    }

    record Quit() implements SmtpCommand {
        public Verb verb() { return Verb.QUIT; }
    }

    /** VRFY with its (unused) argument. */
    record Vrfy(String argument) implements SmtpCommand {
        public Verb verb() { return Verb.VRFY; }
    }

    /** HELP with an optional topic (empty if none). */
    record Help(String topic) implements SmtpCommand {
        public Verb verb() { return Verb.HELP; }
    }

    /** STARTTLS (RFC 3207): no arguments. */
    record StartTls() implements SmtpCommand {
        public Verb verb() { return Verb.STARTTLS; }
    }

    /**
     * AUTH (RFC 4954): the mechanism name, upper-cased, and the initial response as sent
     * (base64, or "=" for an empty one), null if none.
     */
    record Auth(String mechanism, String initialResponse) implements SmtpCommand {
        public Verb verb() { return Verb.AUTH; }
    }

    /** A verb we recognise but do not parse further because it is not offered (EXPN, BDAT, ETRN ...). */
    /** BURL absolute-URI [SP "LAST"] (RFC 4468 4): the URL's content is the next part of the message; LAST ends it. */
    record Burl(String url, boolean last) implements SmtpCommand {
        public Verb verb() {
            return Verb.BURL;
        }
    }

    record NotOffered(Verb verb) implements SmtpCommand { }
}
