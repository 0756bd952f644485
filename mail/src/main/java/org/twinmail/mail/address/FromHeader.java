package org.twinmail.mail.address;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * The addresses in a message's From field (RFC 5322 3.6.2: {@code mailbox-list}), for the
 * submission check that a user sends only as themselves. Only the header section is read, and
 * at most {@code maxHeaderBytes} of it ({@code smtp.maxHeaderSize}). Parsing is the mail
 * library's ({@link Header}, {@link AddressParser}); this class is the strict policy on top: the
 * From field must be there once, be read without any problem, hold no group, and every mailbox
 * must be an address. So {@code "Bob, <bob@x>" <alice@y>} yields alice@y, and
 * {@code "Bob <bob@x>} (an unterminated quote) is refused rather than guessed at.
 */
public final class FromHeader {
    /** Default of {@code smtp.maxHeaderSize}: headers beyond it are not searched (Postfix's header_size_limit is 100 KiB as well). */
    public static final int MAX_HEADER_BYTES = 100 * 1024;

    private FromHeader() {
    }

    /** The From field cannot be used: missing, repeated, or not a list of addresses. */
    public static final class Malformed extends Exception {
        public Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** The addresses of the one From field in {@code message}, searching the default {@link #MAX_HEADER_BYTES}. */
    public static List<EmailAddress> addresses(InputStream message) throws IOException, Malformed {
        return addresses(message, MAX_HEADER_BYTES);
    }

    /** The addresses of the one From field within the first {@code maxHeaderBytes} of {@code message}'s header section. */
    public static List<EmailAddress> addresses(InputStream message, int maxHeaderBytes) throws IOException, Malformed {
        List<HeaderField> fields = Header.read(message, maxHeaderBytes).all("From");
        if (fields.isEmpty()) throw new Malformed("message has no From header");
        if (fields.size() > 1) throw new Malformed("message has more than one From header");
        return parseMailboxList(fields.getFirst().value());
    }

    /** A From value's addresses, refusing anything the parser had to guess at. */
    static List<EmailAddress> parseMailboxList(String value) throws Malformed {
        AddressList list = AddressParser.parse(value);
        for (var a : list.addresses()) {
            if (a instanceof Group) throw new Malformed("group syntax in From is not accepted for submission");
        }
        if (!list.clean()) throw new Malformed("From is not a list of addresses: " + String.join("; ", list.problems()));
        if (list.addresses().isEmpty()) throw new Malformed("From is empty");
        List<EmailAddress> out = new ArrayList<>();
        for (Mailbox m : list.mailboxes()) {
            try {
                out.add(EmailAddress.parse(m.address()));
            } catch (IllegalArgumentException e) {
                throw new Malformed("From is not a list of addresses: " + e.getMessage());
            }
        }
        return out;
    }
}
