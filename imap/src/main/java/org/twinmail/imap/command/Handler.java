package org.twinmail.imap.command;

import java.io.IOException;
import org.twinmail.imap.protocol.ImapSyntaxException;

/** Runs one command; returns the text of the tagged OK (with its response code, if any). */
@FunctionalInterface
public interface Handler {
    String run(Context ctx, Request request) throws IOException, ImapSyntaxException, No;
}
