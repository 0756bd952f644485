package org.twinmail.relay.queue;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * What delivery needs to know of a queued message's header section, read once per attempt:
 * the number of Received fields (loop detection), whether any header is non-ASCII (then the
 * message needs SMTPUTF8 if it was submitted with it), and the From domain (DKIM's signing
 * domain). Reads no further than the end of the header section, and at most {@link #MAX_BYTES};
 * the parsing is the mail library's.
 */
record MessageHeaders(int received, boolean nonAscii, Optional<String> fromDomain, int returnPathLength) {
    static final int MAX_BYTES = 256 * 1024;

    static MessageHeaders read(InputStream in) throws IOException {
        Header header = Header.read(in, MAX_BYTES);
        int received = header.all("Received").size();
        Optional<String> from = header.first("From").flatMap(f -> domainOf(f.value()));
        return new MessageHeaders(received, header.nonAscii(), from, leadingReturnPath(header));
    }

    /**
     * The length in bytes (with its CRLF and any folded lines) of a Return-Path field at the very
     * start of the message, else 0. Our SMTP server puts one there for local delivery (RFC 5321
     * 4.4); a relay must not pass it on, since the final delivery adds its own.
     */
    static int leadingReturnPath(Header header) {
        if (header.fields().isEmpty()) return 0;
        HeaderField first = header.fields().getFirst();
        if (first.start() != header.start() || !first.is("Return-Path")) return 0;
        // a field that does not end in a line break is the whole message: leave the message alone
        if (first.end() == 0 || header.data()[first.end() - 1] != '\n') return 0;
        return first.end() - first.start();
    }

    /** The domain of the first address in a From field, lower-cased and as an A-label. */
    static Optional<String> domainOf(String fromValue) {
        Optional<Mailbox> first = AddressParser.firstMailbox(fromValue);
        if (first.isEmpty()) return Optional.empty();
        String domain = first.get().domain().strip().toLowerCase(Locale.ROOT);
        try {
            return Optional.of(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
