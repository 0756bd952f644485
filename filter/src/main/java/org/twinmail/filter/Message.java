package org.twinmail.filter;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.mail.header.Header;

/**
 * The message at the end of DATA, before it is committed: our trace fields (Return-Path,
 * Received) first, then what the client sent. Read it as a stream, as often as needed; it may
 * be on disk and as large as {@code smtp.maxMessageSize}.
 */
public interface Message {
    /** Octets, trace fields included. */
    long size();

    /** The whole message from its first octet. The caller closes the stream. */
    InputStream open() throws IOException;

    /**
     * The header section, parsed once (the mail library's {@link Header}: fields in order,
     * unfolded and RFC 2047-decoded values). Our trace fields come first. A section longer than
     * {@code smtp.maxHeaderSize} is {@link Header#truncated()} and holds the fields complete within it.
     */
    Header header() throws IOException;

    /** The body: the octets after the header section's blank line, streamed. The caller closes the stream. */
    InputStream body() throws IOException;

    /** Received fields in the header section, ours not counted. */
    int receivedHeaders();

    /**
     * The addresses of the one From field.
     *
     * @throws MalformedHeader no From field, more than one, or not a list of addresses
     */
    List<EmailAddress> from() throws IOException, MalformedHeader;

    /** A header field the message needs cannot be used. */
    final class MalformedHeader extends Exception {
        public MalformedHeader(String message) {
            super(message, null, false, false);
        }
    }
}
